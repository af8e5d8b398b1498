using System.Net;
using Harmonia.Api.Http;
using Harmonia.Tests.Redis;
using Microsoft.AspNetCore.Http;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;
using StackExchange.Redis;

namespace Harmonia.Tests.Http;

/// <summary>
/// A data store that cannot answer now is a 503 the client may retry, Redis as much as MongoDB; a Redis error that
/// is the API's own fault stays a 500, as does any other exception.
/// </summary>
public sealed class ApiExceptionHandlerTests
{
    public static TheoryData<Exception> Unavailable => new()
    {
        new RedisConnectionException(ConnectionFailureType.UnableToConnect, "No connection is active/available to service this operation: INFO"),
        new RedisConnectionException(ConnectionFailureType.SocketClosed, "SocketClosed on 127.0.0.1:6379/Interactive"),
        new RedisTimeoutException("Timeout performing SCAN (500ms)", CommandStatus.Sent),
        new RedisServerException("LOADING Redis is loading the dataset in memory"),
        new RedisServerException("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT."),
        new RedisServerException("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."),
        new RedisServerException("CLUSTERDOWN The cluster is down"),
        new RedisServerException("TRYAGAIN Multiple keys request during rehashing of slot"),
        new TimeoutException("The operation has timed out."),
        new MongoNodeIsRecoveringException(Connection, new BsonDocument("update", "sessions"), Answer(11602, "InterruptedDueToReplStateChange")),
        new MongoNotPrimaryException(Connection, new BsonDocument("update", "sessions"), Answer(10107, "NotWritablePrimary")),
        // Calls in flight on a connection StackExchange.Redis tears down after giving it up fail unwrapped.
        new TaskCanceledException(),
        TornDownRedis.ReadingACompletedPipe(),
        new EndOfStreamException(),
    };

    public static TheoryData<Exception> Faults => new()
    {
        new RedisServerException("ERR Error running script (call to f_0123): @user_script:1: Script attempted to access nonexistent global variable 'x'"),
        new RedisServerException("WRONGTYPE Operation against a key holding the wrong kind of value"),
        new RedisServerException("NOSCRIPT No matching script. Please use EVAL."),
        new InvalidOperationException("A bug."),
        new MongoCommandException(Connection, "Command update failed: BadValue.", new BsonDocument("update", "sessions"), Answer(2, "BadValue")),
    };

    [Theory]
    [MemberData(nameof(Unavailable))]
    public async Task AStoreThatCannotAnswerNowIsA503WithRetryAfter(Exception exception)
    {
        var (handled, context, problems) = await HandleAsync(exception);

        Assert.True(handled);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, Assert.Single(problems).ProblemDetails.Status);
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task AnErrorThatIsTheApisOwnFaultIsLeftToBecomeA500(Exception exception)
    {
        var (handled, context, problems) = await HandleAsync(exception);

        Assert.False(handled);
        Assert.Empty(problems);
        Assert.False(context.Response.Headers.ContainsKey("Retry-After"));
    }

    private static ConnectionId Connection => new(new ServerId(new ClusterId(), new DnsEndPoint("localhost", 27017)));

    private static BsonDocument Answer(int code, string codeName) => new() { { "ok", 0 }, { "errmsg", codeName }, { "code", code }, { "codeName", codeName } };

    private static async Task<(bool Handled, DefaultHttpContext Context, List<ProblemDetailsContext> Problems)> HandleAsync(Exception exception)
    {
        var problems = new RecordingProblemDetails();
        var context = new DefaultHttpContext();

        var handled = await new ApiExceptionHandler(problems).TryHandleAsync(context, exception, TestContext.Current.CancellationToken);

        return (handled, context, problems.Written);
    }

    private sealed class RecordingProblemDetails : IProblemDetailsService
    {
        public List<ProblemDetailsContext> Written { get; } = [];

        public ValueTask WriteAsync(ProblemDetailsContext context)
        {
            Written.Add(context);
            return ValueTask.CompletedTask;
        }

        public ValueTask<bool> TryWriteAsync(ProblemDetailsContext context)
        {
            Written.Add(context);
            return ValueTask.FromResult(true);
        }
    }
}
