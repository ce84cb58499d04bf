namespace Haven.Storage;

/// <summary>
/// The outcome of an operation whose failure is expected (a missing bank, a bad import line):
/// either a value or a typed error. Exceptions stay for bugs and broken infrastructure.
/// </summary>
internal readonly struct Result<T, TError>
    where TError : class
{
    private readonly T? _value;
    private readonly TError? _error;

    private Result(T? value, TError? error)
    {
        _value = value;
        _error = error;
    }

    /// <summary>True when the operation produced a value.</summary>
    public bool IsSuccess => _error is null;

    /// <summary>The value; reading it from a failure is a bug.</summary>
    public T Value => _error is null ? _value! : throw new InvalidOperationException("Result holds an error: " + _error);

    /// <summary>The error; reading it from a success is a bug.</summary>
    public TError Error => _error ?? throw new InvalidOperationException("Result holds a value.");

    /// <summary>Deconstructs into value and error for pattern-free call sites.</summary>
    public bool TryGetValue(out T value, out TError? error)
    {
        value = _value!;
        error = _error;
        return _error is null;
    }

    public static implicit operator Result<T, TError>(T value) => new(value, null);

    public static implicit operator Result<T, TError>(TError error) =>
        new(default, error ?? throw new ArgumentNullException(nameof(error)));

    public override string ToString() => IsSuccess ? $"Ok({_value})" : $"Error({_error})";
}
