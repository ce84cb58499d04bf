namespace Haven.Banks;

/// <summary>
/// The rule for new bank (and lexicon) names: 1–64 characters of <c>[a-z0-9._-]</c>, starting with a letter or digit, so
/// names are safe in URLs, file names and CLI arguments. The first character rules out the dot segments <c>.</c> and
/// <c>..</c>, which a URL path rewrites before routing (such a bank could not be read or deleted over HTTP), hidden file
/// names, and names a command line would read as an option. The rule is checked when a name is created, never when one
/// is looked up: banks created under the older rule stay reachable (and deletable) by name.
/// </summary>
internal static class BankName
{
    /// <summary>Maximum length.</summary>
    public const int MaxLength = 64;

    /// <summary>The rule, as shown to users.</summary>
    public const string Rule = "a bank name is 1-64 characters of lower-case letters a-z, digits 0-9, '.', '_' or '-', starting with a letter or digit";

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

        if (!char.IsAsciiLetterLower(name[0]) && !char.IsAsciiDigit(name[0]))
        {
            return "the first character is not a letter or digit; " + Rule;
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
