using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Haven.Media;

/// <summary>
/// Reads a non-interlaced PNG of 8 bits or fewer per sample row by row (inflate, then unfilter against the previous row),
/// holding two rows instead of the frame. Skia 4.155's PNG codec has no scanline decoder (<c>StartScanlineDecode</c>
/// answers <c>Unimplemented</c> for every PNG), so without this a 7000×7000 PNG costs a 196 MB frame. PNG pins every
/// sample (the filters and zlib are lossless) and Skia applies no colour transform without a destination colour space,
/// so the samples equal Skia's whole-frame decode; the conformance vectors (grey 1-bit, grey, palette, RGBA) and
/// <c>ImageDecoderTests</c> check that. 16-bit and interlaced PNGs are left to Skia's whole-frame decode.
/// </summary>
internal sealed class PngRows : IDisposable
{
    private readonly ZLibStream _inflater;
    private readonly int _bytesPerPixel;
    private readonly int _bitDepth;
    private readonly int _colourType;
    private readonly byte[] _palette;
    private readonly int _transparentKey;
    private readonly (int R, int G, int B) _transparentRgb;
    private byte[] _previous;
    private byte[] _current;

    private PngRows(Stream idat, in Header header, byte[] palette, int transparentKey, (int, int, int) transparentRgb)
    {
        Width = header.Width;
        Height = header.Height;
        _bitDepth = header.BitDepth;
        _colourType = header.ColourType;
        var channels = header.ColourType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        RowBytes = (int)(((long)Width * channels * _bitDepth + 7) / 8);
        _bytesPerPixel = Math.Max(1, channels * _bitDepth / 8);
        _palette = palette;
        _transparentKey = transparentKey;
        _transparentRgb = transparentRgb;
        _previous = new byte[RowBytes];
        _current = new byte[RowBytes];
        _inflater = new ZLibStream(idat, CompressionMode.Decompress);
    }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Bytes of one unfiltered row.</summary>
    public int RowBytes { get; }

    /// <summary>Working memory of a row read beyond the file itself: two rows and the inflater's window and buffers.</summary>
    public static long WorkingBytes(int width) => (2L * width * 4) + (256 * 1024);

    /// <summary>True when <paramref name="png"/> is a PNG this reader decodes (8 bits or fewer, not interlaced).</summary>
    public static bool Supports(ReadOnlySpan<byte> png) =>
        TryReadHeader(png, out var header) && header.Interlace == 0 && header.ColourType switch
        {
            0 or 3 => header.BitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => header.BitDepth == 8,
            _ => false,
        };

    /// <summary>
    /// Opens the PNG whose bytes are at <paramref name="data"/> (unmanaged, e.g. an <c>SKData</c>); null when
    /// <see cref="Supports"/> is false for them or a complete chunk's CRC does not match.
    /// </summary>
    public static PngRows? Open(ReadOnlySpan<byte> png, IntPtr data)
    {
        if (!Supports(png) || !TryReadHeader(png, out var header))
        {
            return null;
        }

        var palette = new byte[256 * 4];
        for (var i = 0; i < 256; i++)
        {
            // Indices past the palette read as opaque black (libpng pads the palette the same way).
            palette[(i * 4) + 3] = 255;
        }

        var transparentKey = -1;
        (int, int, int) transparentRgb = (-1, -1, -1);
        var idat = new List<(int Offset, int Length)>();
        var offset = 8;
        while (offset + 8 <= png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png[offset..]);
            var type = png.Slice(offset + 4, 4);
            var start = offset + 8;
            // A chunk cut off by a truncated file contributes what is there; the rows then run out and say so.
            var available = length < 0 ? 0 : Math.Min(length, png.Length - start);
            var body = png.Slice(start, available);
            if (available == length && start + length + 4 <= png.Length &&
                Crc32(png.Slice(offset + 4, length + 4)) != BinaryPrimitives.ReadUInt32BigEndian(png[(start + length)..]))
            {
                // A chunk whose CRC does not match is corrupt: refuse it (as libpng does) rather than hash pixels that
                // may not be the ones the file was made with.
                return null;
            }

            if (type.SequenceEqual("IDAT"u8))
            {
                idat.Add((start, available));
            }
            else if (type.SequenceEqual("PLTE"u8))
            {
                for (var i = 0; i < Math.Min(256, body.Length / 3); i++)
                {
                    body.Slice(i * 3, 3).CopyTo(palette.AsSpan(i * 4, 3));
                }
            }
            else if (type.SequenceEqual("tRNS"u8))
            {
                if (header.ColourType == 3)
                {
                    for (var i = 0; i < Math.Min(256, body.Length); i++)
                    {
                        palette[(i * 4) + 3] = body[i];
                    }
                }
                else if (header.ColourType == 0 && body.Length >= 2)
                {
                    transparentKey = BinaryPrimitives.ReadUInt16BigEndian(body);
                }
                else if (header.ColourType == 2 && body.Length >= 6)
                {
                    transparentRgb = (BinaryPrimitives.ReadUInt16BigEndian(body), BinaryPrimitives.ReadUInt16BigEndian(body[2..]), BinaryPrimitives.ReadUInt16BigEndian(body[4..]));
                }
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                break;
            }

            if (available < length)
            {
                break;
            }

            offset = start + length + 4;
        }

        return new PngRows(new ChunkStream(data, idat), header, palette, transparentKey, transparentRgb);
    }

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }

    /// <summary>The PNG chunk CRC (ISO 3309 / ITU-T V.42 CRC-32, PNG specification §5.5) over type and data.</summary>
    internal static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return c ^ 0xFFFFFFFFu;
    }

    /// <summary>Decodes the next row into the reader's row buffer; false when the data ends first. Corrupt data throws <see cref="InvalidDataException"/>.</summary>
    public bool ReadRow()
    {
        Span<byte> filter = stackalloc byte[1];
        if (_inflater.ReadAtLeast(filter, 1, throwOnEndOfStream: false) != 1)
        {
            return false;
        }

        (_previous, _current) = (_current, _previous);
        var row = _current.AsSpan();
        if (_inflater.ReadAtLeast(row, row.Length, throwOnEndOfStream: false) != row.Length)
        {
            return false;
        }

        Unfilter(filter[0], row, _previous, _bytesPerPixel);
        return true;
    }

    /// <summary>Writes the pixels at <paramref name="sourceX"/> of the current row as RGBA, or as grey when <paramref name="grey"/>.</summary>
    public void Sample(ReadOnlySpan<int> sourceX, Span<byte> destination, bool grey)
    {
        var row = _current.AsSpan();
        for (var x = 0; x < sourceX.Length; x++)
        {
            var sx = sourceX[x];
            if (grey)
            {
                destination[x] = _colourType == 4 ? row[sx * 2] : GreyAt(row, sx);
                continue;
            }

            var pixel = destination.Slice(x * 4, 4);
            switch (_colourType)
            {
                case 6:
                    row.Slice(sx * 4, 4).CopyTo(pixel);
                    break;
                case 2:
                    row.Slice(sx * 3, 3).CopyTo(pixel);
                    pixel[3] = (pixel[0], pixel[1], pixel[2]) == _transparentRgb ? (byte)0 : (byte)255;
                    break;
                case 3:
                    _palette.AsSpan(SampleAt(row, sx) * 4, 4).CopyTo(pixel);
                    break;
                case 4:
                    pixel[0] = pixel[1] = pixel[2] = row[sx * 2];
                    pixel[3] = row[(sx * 2) + 1];
                    break;
                default:
                    var value = GreyAt(row, sx);
                    pixel[0] = pixel[1] = pixel[2] = value;
                    pixel[3] = SampleAt(row, sx) == _transparentKey ? (byte)0 : (byte)255;
                    break;
            }
        }
    }

    /// <summary>The raw sample (grey level or palette index) of pixel <paramref name="x"/> at this bit depth.</summary>
    private int SampleAt(ReadOnlySpan<byte> row, int x)
    {
        if (_bitDepth == 8)
        {
            return row[x];
        }

        var perByte = 8 / _bitDepth;
        var shift = 8 - (_bitDepth * ((x % perByte) + 1));
        return (row[x / perByte] >> shift) & ((1 << _bitDepth) - 1);
    }

    /// <summary>A grey sample scaled to 8 bits by bit replication (×255, ×85, ×17 for 1, 2, 4 bits), as PNG specifies.</summary>
    private byte GreyAt(ReadOnlySpan<byte> row, int x) => (byte)(SampleAt(row, x) * 255 / ((1 << _bitDepth) - 1));

    private static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> previous, int bpp)
    {
        switch (filter)
        {
            case 0:
                return;
            case 1:
                for (var i = bpp; i < row.Length; i++)
                {
                    row[i] += row[i - bpp];
                }

                return;
            case 2:
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] += previous[i];
                }

                return;
            case 3:
                for (var i = 0; i < row.Length; i++)
                {
                    var left = i >= bpp ? row[i - bpp] : 0;
                    row[i] += (byte)((left + previous[i]) >> 1);
                }

                return;
            case 4:
                for (var i = 0; i < row.Length; i++)
                {
                    var left = i >= bpp ? row[i - bpp] : 0;
                    var upLeft = i >= bpp ? previous[i - bpp] : 0;
                    row[i] += Paeth(left, previous[i], upLeft);
                }

                return;
            default:
                throw new InvalidDataException($"PNG row filter {filter} does not exist.");
        }
    }

    private static byte Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var (pa, pb, pc) = (Math.Abs(p - a), Math.Abs(p - b), Math.Abs(p - c));
        return (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
    }

    public void Dispose() => _inflater.Dispose();

    // Not a u8 literal: "\x89" there is U+0089, two bytes in UTF-8.
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly record struct Header(int Width, int Height, int BitDepth, int ColourType, int Interlace);

    private static bool TryReadHeader(ReadOnlySpan<byte> png, out Header header)
    {
        header = default;
        if (png.Length < 33 || !png[..8].SequenceEqual(Signature) || !png.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return false;
        }

        header = new Header(
            BinaryPrimitives.ReadInt32BigEndian(png[16..]), BinaryPrimitives.ReadInt32BigEndian(png[20..]), png[24], png[25], png[28]);
        return header.Width > 0 && header.Height > 0;
    }

    /// <summary>The IDAT payloads of unmanaged PNG bytes as one read-only stream (the zlib data spans them).</summary>
    private sealed class ChunkStream(IntPtr data, List<(int Offset, int Length)> chunks) : Stream
    {
        private int _chunk;
        private int _within;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (_chunk < chunks.Count && _within == chunks[_chunk].Length)
            {
                (_chunk, _within) = (_chunk + 1, 0);
            }

            if (_chunk == chunks.Count || count == 0)
            {
                return 0;
            }

            var (start, length) = chunks[_chunk];
            var n = Math.Min(count, length - _within);
            Marshal.Copy(data + start + _within, buffer, offset, n);
            _within += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
