namespace Harmonia.LoadGenerator;

/// <summary>The signed-in users <c>login</c> wrote: one <c>userId\taccessToken</c> line each.</summary>
internal sealed record TokenFile(string[] UserIds, string[] Tokens)
{
    public static async Task<TokenFile> ReadAsync(string path)
    {
        var lines = (await File.ReadAllLinesAsync(path)).Select(line => line.Split('\t')).ToList();
        return new TokenFile([.. lines.Select(line => line[0])], [.. lines.Select(line => line[1])]);
    }

    public int Count => UserIds.Length;
}
