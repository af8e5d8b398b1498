using Harmonia.Notifications;

namespace Harmonia.Tests.Notifications;

/// <summary>
/// A client's <c>Last-Event-ID</c> reaches Redis only as an id Redis accepts: one it refuses comes back as an error,
/// which the feed would take for Redis being away.
/// </summary>
public sealed class EntryIdTests
{
    [Theory]
    [InlineData("0-0")]
    [InlineData("1733580000000-0")]
    [InlineData("1733580000000-17")]
    [InlineData("18446744073709551615-0")]
    [InlineData("18446744073709551615-18446744073709551615")]
    public void AnIdRedisAcceptsIsAnEntryId(string id) => Assert.True(UserNotifications.IsEntryId(id));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1-")]
    [InlineData("-1")]
    [InlineData("1733580000000")]
    [InlineData("1-2-3")]
    [InlineData("+1-0")]
    [InlineData(" 1-0")]
    [InlineData("1-0\n")]
    [InlineData("18446744073709551616-0")]
    [InlineData("99999999999999999999-0")]
    [InlineData("0-99999999999999999999")]
    [InlineData("\u0661\u0667\u0663\u0663-\u0660")] // Arabic-Indic digits
    [InlineData("\uFF11-\uFF10")] // fullwidth digits
    public void AnythingElseIsNot(string? id) => Assert.False(UserNotifications.IsEntryId(id));
}
