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
}
