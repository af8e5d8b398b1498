using System.Diagnostics;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Observability;

/// <summary>What the traces may say: nothing the answers keep to themselves.</summary>
[Collection(InProcessCollection.Name)]
public sealed class TelemetryPrivacyTests(AppHostFixture fixture)
{
    /// <summary>
    /// The second registration fails on the unique address index, and MongoDB's error message names the duplicate
    /// value. Its span keeps the error's type and code but not the message, which would put the address of every
    /// account someone probes into the trace backends.
    /// </summary>
    [Fact]
    public async Task RegisteringAnAddressThatHasAnAccountLeavesTheAddressOutOfTheTraces()
    {
        using var recorder = new SpanRecorder();
        await using var api = await InProcessApi.StartAsync(fixture);
        using var client = api.CreateClient();
        var email = NewEmail();
        await RegisterAsync(client, email);

        await RegisterAsync(client, email);

        // The insert's operation span and its command's span.
        var failed = recorder.Spans.Where(span => span.Source.Name == "MongoDB.Driver" && span.Status == ActivityStatusCode.Error).ToList();
        Assert.Contains(failed, span => span.GetTagItem("exception.type") is not null);
        var localPart = email[..email.IndexOf('@', StringComparison.Ordinal)];
        foreach (var span in failed)
        {
            var texts = span.TagObjects.Select(tag => tag.Value?.ToString())
                .Concat(span.Events.SelectMany(entry => entry.Tags.Select(tag => tag.Value?.ToString())))
                .Append(span.StatusDescription);
            Assert.DoesNotContain(texts, text => text?.Contains(localPart, StringComparison.OrdinalIgnoreCase) == true);
        }
    }
}
