namespace Haven.Csv;

/// <summary>Text from an input file as error messages echo it.</summary>
internal static class InputText
{
    /// <summary>
    /// Names and values are echoed in errors to help the operator; cap (24 characters) and sanitise them (control
    /// characters become '?') so a binary file does not flood the report.
    /// </summary>
    public static string Printable(ReadOnlySpan<char> text)
    {
        var clipped = text.Length > 24 ? text[..24] : text;
        var chars = clipped.ToArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i]))
            {
                chars[i] = '?';
            }
        }

        return new string(chars) + (text.Length > 24 ? "…" : string.Empty);
    }
}
