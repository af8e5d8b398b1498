using Harmonia.Api.Admin;
using Harmonia.Api.Auth;
using Harmonia.Api.Benchmarks;
using Harmonia.Api.Http;
using Harmonia.Api.Jobs;
using Harmonia.Api.Library;
using Harmonia.Api.Profiles;
using Harmonia.Api.RateLimiting;
using Harmonia.Api.Songs;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddHarmoniaDataStores();
builder.AddHarmoniaCache();
builder.AddApiDefaults();
builder.AddAuth();
builder.AddProfiles();
builder.AddLibrary();
builder.AddSongs();
builder.AddAdmin();
builder.AddJobs();
builder.AddRateLimits();

var app = builder.Build();

app.UseApiDefaults();
app.MapDefaultEndpoints();
app.MapAuthApi();
app.MapProfilesApi();
app.MapLibraryApi();
app.MapSongsApi();
app.MapAdminApi();
app.MapSongAudioApi();
app.MapJobsApi();
app.MapFloorApiWhenEnabled();

app.Run();
