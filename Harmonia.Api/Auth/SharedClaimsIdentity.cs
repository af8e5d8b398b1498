using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;

namespace Harmonia.Api.Auth;

/// <summary>
/// The claims of a remembered access token, which every request presenting the token shares
/// (<see cref="RememberedAccessToken"/>): adding or removing a claim throws, so a change meant for one request can
/// never reach another, nor race a request reading the claims. A request that needs more claims adds an identity to
/// its own principal instead. Compared like the validated identity it copies (claim types are case-sensitive).
/// </summary>
internal sealed class SharedClaimsIdentity : CaseSensitiveClaimsIdentity
{
    private readonly bool _shared;

    public SharedClaimsIdentity(ClaimsIdentity validated) : base(validated) => _shared = true;

    public override void AddClaim(Claim claim)
    {
        ThrowIfShared();
        base.AddClaim(claim);
    }

    public override void AddClaims(IEnumerable<Claim?> claims)
    {
        ThrowIfShared();
        base.AddClaims(claims);
    }

    public override void RemoveClaim(Claim? claim)
    {
        ThrowIfShared();
        base.RemoveClaim(claim);
    }

    public override bool TryRemoveClaim(Claim? claim)
    {
        ThrowIfShared();
        return base.TryRemoveClaim(claim);
    }

    private void ThrowIfShared()
    {
        // Before the constructor has finished, the base class is copying the validated claims in.
        if (_shared)
        {
            throw new InvalidOperationException("A remembered access token's claims are shared by its requests and cannot be changed.");
        }
    }
}
