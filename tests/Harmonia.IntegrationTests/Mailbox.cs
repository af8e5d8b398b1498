using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Harmonia.IntegrationTests;

/// <summary>
/// What the AppHost's mail server (smtp4dev) received, read through its REST API: the messages are the ones
/// the worker really sent over SMTP.
/// </summary>
internal sealed partial class Mailbox(HttpClient smtp4dev) : IDisposable
{
    /// <summary>Queue, claim, SMTP and smtp4dev's own store take well under a second; the bound leaves room for a busy machine.</summary>
    public static readonly TimeSpan DeliveryBound = TimeSpan.FromSeconds(20);

    public sealed record Message(string Id, string Subject, string Text);

    /// <summary>What the subject of each account mail contains.</summary>
    public static class Subjects
    {
        public const string Verification = "verification code";
        public const string Reset = "password reset code";
        public const string AlreadyRegistered = "tried to sign up";
    }

    /// <summary>Every message sent to <paramref name="to"/>, newest first.</summary>
    public async Task<IReadOnlyList<Message>> ListAsync(string to)
    {
        var page = await smtp4dev.GetFromJsonAsync<Page>(
            $"/api/messages?searchTerms={Uri.EscapeDataString(to)}&pageSize=100", TestContext.Current.CancellationToken);
        var messages = new List<Message>();
        foreach (var summary in page!.Results.Where(summary => summary.To.Contains(to, StringComparer.OrdinalIgnoreCase)))
        {
            var text = await smtp4dev.GetStringAsync($"/api/messages/{summary.Id}/plaintext", TestContext.Current.CancellationToken);
            messages.Add(new Message(summary.Id, summary.Subject, text));
        }

        return messages;
    }

    /// <summary>
    /// Waits until <paramref name="to"/> has received <paramref name="count"/> messages whose subject contains
    /// <paramref name="subject"/> (see <see cref="Subjects"/>); returns the newest of them.
    /// </summary>
    public async Task<Message> WaitForAsync(string to, string subject, int count = 1, TimeSpan? within = null)
    {
        List<Message> matching = [];
        await Eventually.HoldsAsync(
            async () => (matching = [.. (await ListAsync(to)).Where(message => message.Subject.Contains(subject, StringComparison.Ordinal))]).Count >= count,
            within ?? DeliveryBound,
            $"{to} receives {count} message(s) about '{subject}'");
        return matching[0];
    }

    /// <summary>The HTML body of <paramref name="message"/>.</summary>
    public Task<string> HtmlOfAsync(Message message) =>
        smtp4dev.GetStringAsync($"/api/messages/{message.Id}/html", TestContext.Current.CancellationToken);

    public static string CodeIn(Message message) => SixDigits().Match(message.Text).Value;

    public static string TokenIn(Message message) => Uri.UnescapeDataString(LinkToken().Match(message.Text).Groups[1].Value);

    public void Dispose() => smtp4dev.Dispose();

    [GeneratedRegex(@"\b[0-9]{6}\b")]
    private static partial Regex SixDigits();

    [GeneratedRegex(@"[?&]token=([^&\s]+)")]
    private static partial Regex LinkToken();

    private sealed record Page(List<Summary> Results);

    private sealed record Summary(string Id, string Subject, List<string> To);
}
