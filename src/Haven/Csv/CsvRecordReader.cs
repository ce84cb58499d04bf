using System.Text;

namespace Haven.Csv;

/// <summary>
/// Streaming RFC 4180 reader: comma separated; fields may be quoted with <c>"</c>, inside which commas, line breaks and
/// doubled quotes (<c>""</c>) are literal; records end at CRLF, LF or CR. Reads a fixed-size buffer at a time, so memory
/// does not grow with the file. A malformed record (unterminated quote, text after a closing quote, a quote inside an
/// unquoted field) is still consumed to its end and reported through <see cref="RecordError"/>, so later records parse.
/// </summary>
internal sealed class CsvRecordReader(TextReader reader)
{
    private enum State
    {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }

    private readonly char[] _buffer = new char[16 * 1024];
    private readonly StringBuilder _field = new();
    private int _position;
    private int _length;
    private bool _endOfInput;
    private bool _skipLineFeed;
    private long _line = 1;

    /// <summary>Line on which the last record read starts (1-based).</summary>
    public long RecordLine { get; private set; }

    /// <summary>Physical lines consumed so far.</summary>
    public long LinesConsumed => _endOfInput && _position >= _length ? _line - 1 : _line;

    /// <summary>Why the last record is malformed, or null.</summary>
    public string? RecordError { get; private set; }

    /// <summary>Reads the next record into <paramref name="fields"/>; false at the end of input.</summary>
    public async ValueTask<bool> ReadRecordAsync(List<string> fields, CancellationToken cancellationToken)
    {
        fields.Clear();
        RecordError = null;
        _field.Clear();
        if (!await HasDataAsync(cancellationToken))
        {
            return false;
        }

        RecordLine = _line;
        var state = State.FieldStart;
        while (true)
        {
            if (!await HasDataAsync(cancellationToken))
            {
                if (state == State.Quoted)
                {
                    RecordError ??= "unterminated quoted field (a \" opened here is never closed)";
                }

                fields.Add(_field.ToString());
                _line++;
                return true;
            }

            var c = _buffer[_position++];
            switch (state)
            {
                case State.FieldStart:
                case State.Unquoted:
                    if (c == ',')
                    {
                        fields.Add(_field.ToString());
                        _field.Clear();
                        state = State.FieldStart;
                    }
                    else if (c is '\n' or '\r')
                    {
                        EndOfLine(c);
                        fields.Add(_field.ToString());
                        return true;
                    }
                    else if (c == '"' && state == State.FieldStart)
                    {
                        state = State.Quoted;
                    }
                    else
                    {
                        if (c == '"')
                        {
                            RecordError ??= "a \" inside an unquoted field (quote the whole field and double the \")";
                        }

                        _field.Append(c);
                        state = State.Unquoted;
                    }

                    break;
                case State.Quoted:
                    if (c == '"')
                    {
                        state = State.QuoteInQuoted;
                    }
                    else
                    {
                        if (c == '\n')
                        {
                            _line++;
                        }

                        _field.Append(c);
                    }

                    break;
                case State.QuoteInQuoted:
                    if (c == '"')
                    {
                        _field.Append('"');
                        state = State.Quoted;
                    }
                    else if (c == ',')
                    {
                        fields.Add(_field.ToString());
                        _field.Clear();
                        state = State.FieldStart;
                    }
                    else if (c is '\n' or '\r')
                    {
                        EndOfLine(c);
                        fields.Add(_field.ToString());
                        return true;
                    }
                    else
                    {
                        RecordError ??= "text after a closing quote (a quoted field must end at a comma or the line end)";
                        _field.Append(c);
                        state = State.Unquoted;
                    }

                    break;
            }
        }
    }

    private void EndOfLine(char c)
    {
        _line++;

        // CRLF counts once; the LF may sit in the next buffer.
        _skipLineFeed = c == '\r';
    }

    private async ValueTask<bool> HasDataAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_position < _length)
            {
                if (_skipLineFeed)
                {
                    _skipLineFeed = false;
                    if (_buffer[_position] == '\n')
                    {
                        _position++;
                        continue;
                    }
                }

                return true;
            }

            if (_endOfInput)
            {
                return false;
            }

            _length = await reader.ReadAsync(_buffer.AsMemory(), cancellationToken);
            _position = 0;
            if (_length == 0)
            {
                _endOfInput = true;
                return false;
            }
        }
    }
}
