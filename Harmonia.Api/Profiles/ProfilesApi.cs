using System.Security.Claims;
using Harmonia.Api.Auth;
using Harmonia.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using MongoDB.Bson;

namespace Harmonia.Api.Profiles;

public static class ProfilesApi
{
    public static IEndpointRouteBuilder MapProfilesApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/users").WithTags("Profiles").RequireAuthorization();

        users.MapGet("/me", GetOwnAsync).WithSummary("The signed-in user's profile").WithCacheStatus();
        users.MapPatch("/me", UpdateOwnAsync).WithSummary("Change the signed-in user's display name, bio or avatar");
        users.MapGet("/{id:objectid}", GetPublicAsync).WithSummary("Another user's public profile").WithCacheStatus(ownerRouteValue: "id");

        return app;
    }

    private static async Task<Results<JsonOk<ProfileResponse>, NotFound>> GetOwnAsync(
        ClaimsPrincipal user, ProfileService profiles, CachedResponses<CachedProfile, ProfileResponse> responses, CancellationToken cancellationToken) =>
        await profiles.GetAsync(user.GetUserId(), cancellationToken) is { } profile
            ? responses.Ok(profile)
            : TypedResults.NotFound();

    private static async Task<Results<Ok<ProfileResponse>, NotFound>> UpdateOwnAsync(
        UpdateProfileRequest request, ClaimsPrincipal user, ProfileService profiles) =>
        await profiles.UpdateAsync(user.GetUserId(), request) is { } profile
            ? TypedResults.Ok(ProfileResponse.From(profile))
            : TypedResults.NotFound();

    private static async Task<Results<JsonOk<PublicProfileResponse>, NotFound>> GetPublicAsync(
        ObjectId id, ProfileService profiles, CachedResponses<CachedProfile, PublicProfileResponse> responses, CancellationToken cancellationToken) =>
        await profiles.GetAsync(id.ToString(), cancellationToken) is { } profile
            ? responses.Ok(profile)
            : TypedResults.NotFound();
}
