using Harmonia.Api.Accounts;
using Harmonia.Api.Admin;
using Harmonia.Api.Auth;
using Harmonia.Api.Http;
using Harmonia.Api.Jobs;
using Harmonia.Api.Library;
using Harmonia.Api.Notifications;
using Harmonia.Api.Profiles;
using Harmonia.Api.RateLimiting;
using Harmonia.Api.Songs;
using Harmonia.Bench.Api;
using Harmonia.Caching;
using Harmonia.DataStores;

// Harmonia.Api's Program.cs, plus the floor endpoints, twins of the measured endpoints (unlimited, Redis only), the process's allocation count, cache levels to skip, and rate limiting left out when the
// benchmark measures what it costs (the Bench section; see bench/load.sh).
var builder = WebApplication.CreateBuilder(args);
var bench = builder.Configuration.GetSection(BenchSettings.SectionName).Get<BenchSettings>() ?? new();

builder.AddServiceDefaults();
builder.AddHarmoniaDataStores();
builder.AddHarmoniaCache();
builder.Services.AddCacheLevels(bench.CacheLevels);
builder.AddApiDefaults();
builder.AddAuth();
builder.AddAccounts();
builder.AddProfiles();
builder.AddLibrary();
builder.AddSongs();
builder.AddJobs();
builder.AddNotifications();
builder.AddAdmin();
if (bench.RateLimiting)
{
    builder.AddRateLimits();
}

var app = builder.Build();

app.UseRedisOnlyTwins();
app.UseApiDefaults();
app.UseAuthentication();
if (bench.RateLimiting)
{
    app.UseRateLimits();
}

app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapAuthApi();
app.MapAccountsApi();
app.MapProfilesApi();
app.MapLibraryApi();
app.MapSongsApi();
app.MapJobsApi();
app.MapNotificationsApi();
app.MapAdminApi();
app.MapGroup("/bench").MapFloorApi();
app.MapUnlimitedTwins();
app.MapRedisOnlyTwins();
app.MapAllocationsApi();

app.Run();
