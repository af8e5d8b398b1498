using System.Text.Json;
using Harmonia.Api.Http;
using Harmonia.Api.Profiles;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Harmonia.Tests.Http;

/// <summary>A response made from a cached value is written as <c>TypedResults.Ok</c> writes it, serialized once per cached instance.</summary>
public sealed class CachedResponsesTests
{
    private static readonly CachedProfile Profile = new("6b13ae11d04d119e94c272a5", "ada@example.com", "Ada", "Composer", null, DateTimeOffset.UnixEpoch);

    private readonly JsonOptions _json = new();
    private int _made;

    [Fact]
    public async Task ACachedValueIsWrittenAsOkWouldWriteItAndSerializedOnlyOnce()
    {
        var responses = new CachedResponses<CachedProfile, PublicProfileResponse>(Count(PublicProfileResponse.From), Options.Create(_json));

        var first = await WriteAsync(responses.Ok(Profile));
        var second = await WriteAsync(responses.Ok(Profile));

        var expected = JsonSerializer.Serialize(PublicProfileResponse.From(Profile), _json.SerializerOptions);
        Assert.Equal(expected, first.Body);
        Assert.Equal(expected, second.Body);
        Assert.Equal(StatusCodes.Status200OK, first.StatusCode);
        Assert.Equal("application/json; charset=utf-8", first.ContentType);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(expected), first.ContentLength);
        Assert.Equal(1, _made);
    }

    [Fact]
    public async Task ANewValueOfTheSameEntityIsWrittenAsItIsNow()
    {
        var responses = new CachedResponses<CachedProfile, PublicProfileResponse>(Count(PublicProfileResponse.From), Options.Create(_json));
        var renamed = Profile with { DisplayName = "Ada Lovelace" };

        _ = await WriteAsync(responses.Ok(Profile));
        var written = await WriteAsync(responses.Ok(renamed));

        Assert.Contains("\"displayName\":\"Ada Lovelace\"", written.Body, StringComparison.Ordinal);
        Assert.Equal(2, _made);
    }

    private Func<CachedProfile, PublicProfileResponse> Count(Func<CachedProfile, PublicProfileResponse> toResponse) => profile =>
    {
        _made++;
        return toResponse(profile);
    };

    private static async Task<(int StatusCode, string? ContentType, long? ContentLength, string Body)> WriteAsync(JsonOk<PublicProfileResponse> result)
    {
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        await context.Response.BodyWriter.FlushAsync();
        return (context.Response.StatusCode, context.Response.ContentType, context.Response.ContentLength, System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }
}
