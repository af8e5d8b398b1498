using Harmonia.Api.Auth;

namespace Harmonia.Tests.Auth;

/// <summary>The pair a refresh token was exchanged for opens with that token and nothing else.</summary>
public sealed class RefreshTokensTests
{
    private static readonly TokenResponse Pair = new("header.payload.signature", DateTimeOffset.UnixEpoch, RefreshTokens.Create().Token, DateTimeOffset.UnixEpoch.AddDays(7), "6b13ae11d04d119e94c272a5");

    [Fact]
    public void ThePairOpensWithTheTokenItWasSealedWith()
    {
        var (token, _) = RefreshTokens.Create();

        var opened = RefreshTokens.Open(token, RefreshTokens.Seal(token, Pair));

        Assert.Equal(Pair, opened);
    }

    [Fact]
    public void AnotherTokenOrAnAlteredSealOpensNothing()
    {
        var (token, _) = RefreshTokens.Create();
        var sealedPair = RefreshTokens.Seal(token, Pair);
        var altered = (byte[])sealedPair.Clone();
        altered[^1] ^= 1;

        Assert.Null(RefreshTokens.Open(RefreshTokens.Create().Token, sealedPair));
        Assert.Null(RefreshTokens.Open(token, altered));
        Assert.Null(RefreshTokens.Open(token, [1, 2, 3]));
    }
}
