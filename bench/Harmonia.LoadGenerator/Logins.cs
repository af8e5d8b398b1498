using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Harmonia.LoadGenerator;

/// <summary>Signs every seeded user in through <c>POST /auth/login</c> and writes <c>userId\taccessToken</c> lines.</summary>
internal static class Logins
{
    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var users = (await File.ReadAllLinesAsync(options.Text("users"), cancellationToken))
            .Select(line => line.Split('\t'))
            .ToList();
        using var client = new HttpClient { BaseAddress = options.Api };
        var tokens = new string[users.Count];

        // Each sign-in verifies a 220,000-iteration PBKDF2 hash: as many at once as the server has cores.
        await Parallel.ForAsync(0, users.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, async (index, token) =>
        {
            using var response = await client.PostAsJsonAsync("/auth/login", new { email = users[index][1], password = Seeder.Password }, token);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(token);
            tokens[index] = body.GetProperty("accessToken").GetString()!;
        });

        await File.WriteAllLinesAsync(options.Text("out"), users.Select((user, index) => $"{user[0]}\t{tokens[index]}"), cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT logins={users.Count}"));
        return 0;
    }
}
