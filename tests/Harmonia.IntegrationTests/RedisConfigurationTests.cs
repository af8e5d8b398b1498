namespace Harmonia.IntegrationTests;

/// <summary>The running Redis is configured as a store whose loss loses nothing: bounded, evicting, not persisting.</summary>
public sealed class RedisConfigurationTests(AppHostFixture fixture)
{
    [Theory]
    [InlineData("maxmemory", "536870912")]
    [InlineData("maxmemory-policy", "volatile-lru")]
    [InlineData("save", "")]
    [InlineData("appendonly", "no")]
    [InlineData("slowlog-log-slower-than", "10000")]
    public async Task RedisRunsWithHarmoniaSettings(string setting, string expected)
    {
        var server = fixture.Redis.GetServers().Single();

        var actual = await server.ConfigGetAsync(setting);

        Assert.Equal(expected, Assert.Single(actual).Value);
    }
}
