using System.ComponentModel.DataAnnotations;
using Harmonia.Worker.Jobs;

namespace Harmonia.Tests.Jobs;

public sealed class JobWorkerOptionsTests
{
    [Fact]
    public void DefaultsAreValid() => Assert.Empty(Validate(new JobWorkerOptions()));

    [Fact]
    public void RetryCeilingBelowTheFirstWaitIsInvalid()
    {
        var errors = Validate(new JobWorkerOptions { RetryBaseDelay = TimeSpan.FromSeconds(10), RetryMaxDelay = TimeSpan.FromSeconds(1) });

        Assert.Contains(errors, error => error.MemberNames.Contains(nameof(JobWorkerOptions.RetryMaxDelay)));
    }

    [Fact]
    public void ZeroConcurrencyIsInvalid() =>
        Assert.Contains(Validate(new JobWorkerOptions { Concurrency = 0 }), error => error.MemberNames.Contains(nameof(JobWorkerOptions.Concurrency)));

    [Theory]
    [InlineData(3, 1)]
    [InlineData(30, 1)]
    [InlineData(1.5, 0.5)]
    public void LeaseIsRenewedEveryThirdOfItsDurationAtLeastEverySecond(double leaseSeconds, double renewalSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(renewalSeconds), new JobWorkerOptions { LeaseDuration = TimeSpan.FromSeconds(leaseSeconds) }.LeaseRenewalInterval);

    private static List<ValidationResult> Validate(JobWorkerOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
