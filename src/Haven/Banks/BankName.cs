namespace Haven.Banks;

/// <summary>The rule for bank names: 1–64 characters of <c>[a-z0-9._-]</c>, so names are safe in URLs, file names and CLI arguments.</summary>
internal static class BankName
{
    /// <summary>Maximum length.</summary>
    public const int MaxLength = 64;

    /// <summary>The rule, as shown to users.</summary>
    public const string Rule = "a bank name is 1-64 characters of lower-case letters a-z, digits 0-9, '.', '_' or '-'";

    /// <summary>Returns null when <paramref name="name"/> is valid, otherwise why not.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "the name is empty; " + Rule;
        }

        if (name.Length > MaxLength)
        {
            return $"the name has {name.Length} characters; " + Rule;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-'))
            {
                return $"character {i + 1} is not allowed; " + Rule;
            }
        }

        return null;
    }
}
