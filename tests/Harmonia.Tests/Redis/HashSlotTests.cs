using Harmonia.Api.Accounts;
using Harmonia.Api.RateLimiting;
using Harmonia.Jobs;

namespace Harmonia.Tests.Redis;

/// <summary>
/// Every Lua script or multi-key command must keep its keys on one hash slot, or a Redis Cluster refuses it
/// (CROSSSLOT; StackExchange.Redis refuses it before sending). Slots are computed here as Redis computes them.
/// </summary>
public sealed class HashSlotTests
{
    private const string JobId = "665f1c2e9b1d4a0012345678";
    private const string Queue = "generation";
    private const string UserId = "665f1c2e9b1d4a0087654321";

    [Theory]
    [InlineData("job:abc", 7812)]
    [InlineData("job:abc:lease", 2141)]
    [InlineData("{job:abc}:lease", 7812)]
    [InlineData("{}abc", 5980)]
    public void SlotsMatchWhatRedisComputes(string key, int slot) =>
        // Expected values from `redis-cli CLUSTER KEYSLOT <key>` against Redis 7.0.
        Assert.Equal(slot, HashSlot.Of(key));

    [Fact]
    public void JobStatusAndLeaseShareASlot() =>
        // JobStatusStore's write script reads the lease before writing the status.
        Assert.Equal(HashSlot.Of(JobKeys.Status(JobId).ToString()), HashSlot.Of(JobKeys.Lease(JobId).ToString()));

    [Fact]
    public void QueueStreamAndDelayedSetShareASlot() =>
        // JobDispatcher's promote script moves due entries from the delayed set onto the stream.
        Assert.Equal(HashSlot.Of(JobKeys.Delayed(Queue).ToString()), HashSlot.Of(JobKeys.Stream(Queue).ToString()));

    [Fact]
    public void JobLeaseStatusAndCancelFlagShareASlot() =>
        // All of one job's keys go together, so any script over them stays legal on a cluster.
        Assert.Single(new[] { JobKeys.Status(JobId), JobKeys.Lease(JobId), JobKeys.CancelFlag(JobId) }.Select(key => HashSlot.Of(key.ToString())).Distinct());

    [Fact]
    public void EveryKeyOfAQueueSharesASlot() =>
        Assert.Single(new[]
            {
                JobKeys.Stream(Queue), JobKeys.Delayed(Queue), JobKeys.ReconcilerLock(Queue), JobKeys.LeaselessSuspect(Queue, JobId),
            }
            .Select(key => HashSlot.Of(key.ToString())).Distinct());

    [Theory]
    [InlineData("rate")]
    [InlineData("rate-test-0123456789abcdef")]
    public void EveryRateLimitCountOfOneCallerSharesASlot(string prefix)
    {
        var quota = new RateLimitQuota { Limit = 10, Window = TimeSpan.FromMinutes(1) };
        var userRoute = new RateLimitPolicy("user-route", quota);
        var jobsCreate = new RateLimitPolicy("jobs-create", quota);

        var userKeys = new[]
        {
            RateLimitKeys.ForUser(prefix, UserId, userRoute, "GET:/users/me"),
            RateLimitKeys.ForUser(prefix, UserId, userRoute, "GET:/library"),
            RateLimitKeys.ForUser(prefix, UserId, jobsCreate, "POST:/jobs"),
            RateLimitKeys.TallyOf(RateLimitKeys.ForUser(prefix, UserId, userRoute, "GET:/users/me")),
            RateLimitKeys.LeasesOf(RateLimitKeys.ForUser(prefix, UserId, userRoute, "GET:/users/me")),
        };
        var addressKeys = new[]
        {
            RateLimitKeys.ForAddress(prefix, "203.0.113.7", userRoute, "GET:/users/me"),
            RateLimitKeys.ForAddress(prefix, "203.0.113.7", jobsCreate, "POST:/auth/login"),
        };

        Assert.Single(userKeys.Select(HashSlot.Of).Distinct());
        Assert.Single(addressKeys.Select(HashSlot.Of).Distinct());
        Assert.Equal(HashSlot.Of($"{{u:{UserId}}}"), HashSlot.Of(userKeys[0]));
    }

    [Fact]
    public void OneTimeCodesOfOneAccountShareASlot() =>
        Assert.Equal(HashSlot.Of(TempKeys.Code(CodePurpose.VerifyEmail, UserId)), HashSlot.Of(TempKeys.Code(CodePurpose.ResetPassword, UserId)));
}
