using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Harmonia.Api.Users;
using Harmonia.Api.Validation;

namespace Harmonia.Api.Profiles;

/// <summary>The signed-in user's own profile.</summary>
public sealed record ProfileResponse(
    string Id,
    string Email,
    string DisplayName,
    string? Bio,
    string? AvatarUrl,
    DateTimeOffset CreatedAt)
{
    public static ProfileResponse From(UserDocument user) => From(CachedProfile.From(user));

    public static ProfileResponse From(CachedProfile profile) =>
        new(profile.Id, profile.Email, profile.DisplayName, profile.Bio, profile.AvatarUrl, profile.CreatedAt);
}

/// <summary>What anyone may see of a user.</summary>
public sealed record PublicProfileResponse(string Id, string DisplayName, string? Bio, string? AvatarUrl)
{
    public static PublicProfileResponse From(CachedProfile profile) =>
        new(profile.Id, profile.DisplayName, profile.Bio, profile.AvatarUrl);
}

/// <summary>
/// Changes to the signed-in user's profile. Leave a field out (or null) to keep it; send an empty string
/// to clear <see cref="Bio"/> or <see cref="AvatarUrl"/>.
/// </summary>
public sealed record UpdateProfileRequest(
    [property: StringLength(50), PlainText] string? DisplayName,
    [property: StringLength(500), PlainText(AllowLineBreaks = true, AllowEmpty = true)] string? Bio,
    [property: StringLength(2048), HttpsUrl] string? AvatarUrl);

/// <summary>A profile as the cache holds it: everything both views need, immutable because cache hits share one instance.</summary>
[ImmutableObject(true)]
public sealed record CachedProfile(
    string Id,
    string Email,
    string DisplayName,
    string? Bio,
    string? AvatarUrl,
    DateTimeOffset CreatedAt)
{
    public static CachedProfile From(UserDocument user) =>
        new(user.Id, user.Email, user.DisplayName, user.Bio, user.AvatarUrl, new DateTimeOffset(user.CreatedAt, TimeSpan.Zero));
}
