using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Harmonia.Tests.Logging;

/// <summary>
/// A service's errors go to stderr, which Aspire forwards as errors; the test AppHosts show only errors, so a
/// replica that logs why it stops is seen in CI's output (docs/testing.md).
/// </summary>
public sealed class ErrorStreamTests
{
    [Fact]
    public void ServiceDefaultsWriteErrorsAndNothingElseToStandardError()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        using var host = builder.Build();

        var console = host.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;

        Assert.Equal(LogLevel.Error, console.LogToStandardErrorThreshold);
    }
}
