using Haven.Banks.Import;

namespace Haven.Banks;

/// <summary>Expected failures of bank operations, returned as values.</summary>
internal abstract record BankError(string Message)
{
    public sealed override string ToString() => Message;
}

/// <summary>No bank has this name.</summary>
internal sealed record BankNotFound(string Name) : BankError($"Bank '{Name}' does not exist.");

/// <summary>A bank with this name already exists.</summary>
internal sealed record BankAlreadyExists(string Name) : BankError($"Bank '{Name}' already exists.");

/// <summary>The name breaks <see cref="BankName.Rule"/>.</summary>
internal sealed record BankNameInvalid(string Name, string Reason) : BankError("Invalid bank name: " + Reason + ".");

/// <summary>A request argument is unusable (e.g. an empty selection).</summary>
internal sealed record BankRequestInvalid(string Reason) : BankError(Reason);

/// <summary>
/// An import or bulk add refused because at least one line is bad; nothing was written.
/// <see cref="Errors"/> lists the errors in line order up to <see cref="ImportOptions.MaxReportedErrors"/>, an error
/// repeated on many lines only for its first few and then counted in the message (<see cref="ImportErrorList"/>);
/// <see cref="ErrorCount"/> is the exact total and <see cref="NotListed"/> the errors the list has no room for.
/// </summary>
internal sealed record ImportFailed(IReadOnlyList<ImportLineError> Errors, long ErrorCount, long LinesRead, long NotListed = 0)
    : BankError($"Import refused: {ErrorCount} bad line(s) in {LinesRead} read; nothing was written.");
