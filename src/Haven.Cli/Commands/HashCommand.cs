using System.CommandLine;
using System.Text.Json;
using Haven.Media;

namespace Haven.Cli.Commands;

/// <summary><c>haven hash [--dihedral] [--json] PATH...</c>: PDQ in the reference tool's formats.</summary>
internal static class HashCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("PATH") { Description = "Image files or folders (searched recursively for image files).", Arity = ArgumentArity.OneOrMore };
        var dihedral = new Option<bool>("--dihedral") { Description = "Print all 8 dihedral hashes: orig,rot90,rot180,rot270,flipx,flipy,flipplus1,flipminus1,quality,path." };
        var json = new Option<bool>("--json") { Description = "One JSON object per line, with MD5, SHA-256, size and pipeline too." };
        var scaled = MediaFiles.ScaledDecodeOption();
        var command = new Command("hash", "Compute PDQ (and MD5/SHA-256) of images; prints hash,quality,path as the reference pdq-photo-hasher does.")
        {
            paths, dihedral, json, scaled,
        };
        command.SetAction(parse => Run(parse.GetValue(paths)!, parse.GetValue(dihedral), parse.GetValue(json), new MediaHasher(new ImageDecoder(scaledJpegDecode: parse.GetValue(scaled)))));
        return command;
    }

    private static int Run(string[] paths, bool dihedral, bool json, MediaHasher hasher)
    {
        var files = MediaFiles.Expand(paths, out var missing);
        foreach (var path in missing)
        {
            Console.Error.WriteLine($"haven hash: {path}: no such file or folder");
        }

        var failures = missing.Count;
        foreach (var (path, signals) in MediaFiles.HashAll(files, hasher, exact: json))
        {
            if (json)
            {
                WriteJson(path, signals);
                failures += signals.DecodeError is null ? 0 : 1;
                continue;
            }

            if (signals.DecodeError is { } error)
            {
                Console.Error.WriteLine($"haven hash: {path}: {error.Message}");
                failures++;
                continue;
            }

            Console.Out.WriteLine(dihedral
                ? $"{string.Join(',', signals.Dihedral)},{signals.Quality},{path}"
                : $"{signals.Pdq},{signals.Quality},{path}");
        }

        return failures > 0 ? ExitCodes.InputError : ExitCodes.Ok;
    }

    // Its own method, so that the plain output never loads System.Text.Json (start-up, ADR 0007).
    private static void WriteJson(string path, MediaSignals signals) =>
        Console.Out.WriteLine(JsonSerializer.Serialize(MediaFiles.ToJson(path, signals), CliJson.Options));
}
