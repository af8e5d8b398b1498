using System.Globalization;

namespace Harmonia.LoadGenerator;

/// <summary>The <c>--name value</c> pairs of a command line; a missing required option ends the run with its name.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (var index = 0; index < args.Length; index += 2)
        {
            if (!args[index].StartsWith("--", StringComparison.Ordinal) || index + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected '--name value' pairs, found '{args[index]}'.");
            }

            options._values[args[index][2..]] = args[index + 1];
        }

        return options;
    }

    public string Text(string name) =>
        _values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");

    public string Text(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public int Integer(string name, int? fallback = null) =>
        _values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture)
        : fallback ?? throw new ArgumentException($"--{name} is required.");

    public double Number(string name, double? fallback = null) =>
        _values.TryGetValue(name, out var value) ? double.Parse(value, CultureInfo.InvariantCulture)
        : fallback ?? throw new ArgumentException($"--{name} is required.");

    public Uri Api => new(Text("api"));
}
