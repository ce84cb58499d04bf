using Haven.Media;

// `haven-hash hash [--dihedral] FILE...`: what `haven hash` prints for files, byte for byte, from a natively compiled
// process. Anything else it leaves to the full CLI: it exits with Delegate and prints nothing, and `./haven` runs
// `haven hash` instead (options other than --dihedral, folders, a configuration that could set Media:ScaledDecode).
const int Delegate = 125;
const int InputError = 3;

if (args is not ["hash", _, ..] || ConfigurationMayApply())
{
    return Delegate;
}

var dihedral = false;
var files = new List<string>();
foreach (var arg in args.AsSpan(1))
{
    if (arg == "--dihedral")
    {
        dihedral = true;
    }
    else if (arg.StartsWith('-') || Directory.Exists(arg))
    {
        return Delegate;
    }
    else
    {
        files.Add(arg);
    }
}

if (files.Count == 0)
{
    return Delegate;
}

// As `haven hash`: every missing file is reported first, then the others are hashed in order.
var failures = 0;
foreach (var path in files.Where(f => !File.Exists(f)))
{
    Console.Error.WriteLine($"haven hash: {path}: no such file or folder");
    failures++;
}

var hasher = new MediaHasher(new ImageDecoder());
var stdout = Console.Out;
foreach (var path in files.Where(File.Exists))
{
    var signals = hasher.HashFile(path, exact: false);
    if (signals.DecodeError is { } error)
    {
        Console.Error.WriteLine($"haven hash: {path}: {error.Message}");
        failures++;
        continue;
    }

    stdout.WriteLine(dihedral ? $"{string.Join(',', signals.Dihedral)},{signals.Quality},{path}" : $"{signals.Pdq},{signals.Quality},{path}");
}

return failures > 0 ? InputError : 0;

// The full CLI reads Media:ScaledDecode from haven.json and the environment (docs/configuration.md).
static bool ConfigurationMayApply() =>
    File.Exists("haven.json") || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("HAVEN_CONFIG")) ||
    !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("HAVEN_MEDIA__SCALEDDECODE"));
