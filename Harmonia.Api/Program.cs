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
using Harmonia.Caching;
using Harmonia.DataStores;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddHarmoniaDataStores();
builder.AddHarmoniaCache();
builder.AddApiDefaults();
builder.AddAuth();
builder.AddAccounts();
builder.AddProfiles();
builder.AddLibrary();
builder.AddSongs();
builder.AddJobs();
builder.AddNotifications();
builder.AddAdmin();
builder.AddRateLimits();

var app = builder.Build();

app.UseApiDefaults();
app.UseAuthentication();
app.UseRateLimits();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapApiReference();
app.MapAuthApi();
app.MapAccountsApi();
app.MapProfilesApi();
app.MapLibraryApi();
app.MapSongsApi();
app.MapJobsApi();
app.MapNotificationsApi();
app.MapAdminApi();

app.Run();
