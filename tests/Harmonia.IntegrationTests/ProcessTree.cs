using System.Globalization;

namespace Harmonia.IntegrationTests;

/// <summary>Reads Linux's <c>/proc</c> to find the processes an AppHost started, whatever they are called on disk.</summary>
internal static class ProcessTree
{
    /// <summary>
    /// The processes Aspire's orchestrator runs for an AppHost. DCP detaches from the AppHost and watches it
    /// with <c>--monitor {pid}</c>, so its resources are found below that DCP process, not below the AppHost.
    /// </summary>
    public static List<Entry> OrchestratedBy(int appHostId)
    {
        var monitor = $"--monitor {appHostId.ToString(CultureInfo.InvariantCulture)} ";
        return Directory.EnumerateDirectories("/proc")
            .Select(directory => int.TryParse(Path.GetFileName(directory), out var id) ? id : 0)
            .Where(id => id > 0 && CommandLine(id).Contains(monitor, StringComparison.Ordinal))
            .SelectMany(Descendants)
            .ToList();
    }

    public sealed record Entry(int Id, string Name)
    {
        /// <summary>Completes once the process is gone (reaped, not merely a zombie).</summary>
        public async Task WaitForExitAsync(CancellationToken cancellationToken)
        {
            while (Read(Id) is { State: not 'Z' })
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }
    }

    private static List<Entry> Descendants(int rootId)
    {
        var processes = Directory.EnumerateDirectories("/proc")
            .Select(directory => int.TryParse(Path.GetFileName(directory), out var id) ? Read(id) : null)
            .OfType<Stat>()
            .ToList();

        var descendants = new List<Entry>();
        var parents = new Queue<int>([rootId]);
        while (parents.TryDequeue(out var parent))
        {
            foreach (var child in processes.Where(process => process.ParentId == parent))
            {
                descendants.Add(new Entry(child.Id, child.Name));
                parents.Enqueue(child.Id);
            }
        }

        return descendants;
    }

    private static string CommandLine(int id)
    {
        try
        {
            return File.ReadAllText($"/proc/{id}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private sealed record Stat(int Id, string Name, char State, int ParentId);

    /// <summary>Parses <c>/proc/{id}/stat</c>: "id (name) state ppid …", where the name may itself hold spaces or parentheses.</summary>
    private static Stat? Read(int id)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{id}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        var nameStart = stat.IndexOf('(', StringComparison.Ordinal) + 1;
        var nameEnd = stat.LastIndexOf(')');
        var fields = stat[(nameEnd + 2)..].Split(' ');
        return new Stat(id, stat[nameStart..nameEnd], fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
    }
}
