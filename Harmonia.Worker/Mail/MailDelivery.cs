using Harmonia.Mail;
using Harmonia.Worker.Jobs;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Worker.Mail;

/// <summary>
/// Sends the outbox: claims the due message first in line (<see cref="MailPriority"/>, then due longest), sends it,
/// and settles it: deleted once the server accepts it, retried with capped exponential backoff after a transient
/// failure, given up on (kept, counted and logged as an error) when the server refuses it for good, its code expires
/// first, or <see cref="MailDeliveryOptions.GiveUpAfter"/> passes, and settled unsent (logged, not counted as a
/// failure) when a newer message replaced it. Every worker replica may run this loop: claims are atomic, so each
/// message has one sender at a time. Delivery is at least once: a sender that dies between the server's acceptance
/// and the delete sends again.
/// </summary>
public sealed partial class MailDelivery(
    MailOutbox outbox,
    SmtpMailTransport transport,
    MailMetrics metrics,
    IOptions<MailDeliveryOptions> options,
    TimeProvider timeProvider,
    ILogger<MailDelivery> logger) : BackgroundService
{
    /// <summary>How long claiming the next message may take before the outbox counts as unavailable.</summary>
    private static readonly TimeSpan ClaimTimeout = TimeSpan.FromSeconds(10);

    private MailDeliveryOptions Settings => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            MailMessageDocument? message;
            try
            {
                // Not cancelled by shutdown: MongoDB may apply a claim whose wait was cancelled, and the message would
                // then sit out a whole lease with nobody sending it. A claim that completes while stopping is handed
                // back by DeliverAsync at once. A server that does not answer costs at most ClaimTimeout.
                using var claimTimeout = new CancellationTokenSource(ClaimTimeout, timeProvider);
                message = await outbox.TryClaimAsync(Guid.NewGuid().ToString("N"), Settings.LeaseDuration, claimTimeout.Token);
            }
            catch (Exception exception) when (exception is MongoException or TimeoutException or OperationCanceledException)
            {
                LogOutboxUnavailable(logger, exception);
                await Task.Delay(Settings.PollInterval, timeProvider, stoppingToken);
                continue;
            }

            if (message is null)
            {
                await transport.CloseAsync(stoppingToken);
                await Task.Delay(Settings.PollInterval, timeProvider, stoppingToken);
                continue;
            }

            try
            {
                await DeliverAsync(message, stoppingToken);
            }
            catch (Exception exception) when (exception is MongoException or TimeoutException)
            {
                // The outcome could not be recorded; the claim's lease runs out and the message is due again.
                LogSettleFailed(logger, message.Id, exception);
            }
        }
    }

    public override void Dispose()
    {
        transport.Dispose();
        base.Dispose();
    }

    private async Task DeliverAsync(MailMessageDocument message, CancellationToken stoppingToken)
    {
        if (message.SupersededAt is not null)
        {
            await outbox.GiveUpAsync(message, MailState.Superseded, "A newer message of its kind to the same address replaced it.", CancellationToken.None);
            LogSuperseded(logger, message.Id, message.Kind);
            return;
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        if (message.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            await GiveUpAsync(message, MailState.Expired, "expired", "Its code expired before it could be sent.");
            return;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(Settings.SendTimeout);
            await transport.SendAsync(message, timeout.Token);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: hand the message back rather than leave it to the lease.
            await outbox.RetryAsync(message, now, "The sender stopped.", CancellationToken.None);
            throw;
        }
        catch (Exception exception)
        {
            await SettleFailureAsync(message, exception, now);
            return;
        }

        await outbox.CompleteAsync(message, CancellationToken.None);
        metrics.Sent(message.Kind, timeProvider.GetUtcNow().UtcDateTime - message.CreatedAt);
        LogSent(logger, message.Id, message.Kind, message.Attempts);
    }

    private async Task SettleFailureAsync(MailMessageDocument message, Exception exception, DateTime now)
    {
        if (IsPermanent(exception))
        {
            await GiveUpAsync(message, MailState.Failed, "rejected", MailFailure.Describe(exception), exception);
            return;
        }

        if (now - message.CreatedAt >= Settings.GiveUpAfter)
        {
            await GiveUpAsync(message, MailState.Failed, "gave_up", MailFailure.Describe(exception), exception);
            return;
        }

        var delay = RetryBackoff.Delay(message.Attempts, Settings.RetryBaseDelay, Settings.RetryMaxDelay, Random.Shared.NextDouble());
        await outbox.RetryAsync(message, now + delay, MailFailure.Describe(exception), CancellationToken.None);
        metrics.Retried(message.Kind);
        if (exception is SmtpCommandException refusal)
        {
            LogRetryRefused(logger, message.Id, message.Kind, message.Attempts, delay, refusal.ErrorCode, (int)refusal.StatusCode);
        }
        else
        {
            LogRetry(logger, message.Id, message.Kind, message.Attempts, delay, exception);
        }
    }

    private async Task GiveUpAsync(MailMessageDocument message, MailState state, string reason, string error, Exception? exception = null)
    {
        await outbox.GiveUpAsync(message, state, error, CancellationToken.None);
        metrics.Failed(message.Kind, reason);
        if (exception is SmtpCommandException refusal)
        {
            LogGaveUpRefused(logger, message.Id, message.Kind, reason, message.Attempts, refusal.ErrorCode, (int)refusal.StatusCode);
        }
        else
        {
            LogGaveUp(logger, message.Id, message.Kind, reason, message.Attempts, exception);
        }
    }

    /// <summary>
    /// The server refused this message for good (a 5xx to the recipient or the content): retrying cannot help.
    /// A refused sender is a configuration error that a fix ends, so it is retried like an outage.
    /// </summary>
    private static bool IsPermanent(Exception exception) =>
        exception is SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted } command
        && (int)command.StatusCode >= 500;

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent mail {MessageId} ({Kind}) on attempt {Attempt}.")]
    private static partial void LogSent(ILogger logger, string messageId, string kind, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Did not send mail {MessageId} ({Kind}): a newer one to the same address replaced it.")]
    private static partial void LogSuperseded(ILogger logger, string messageId, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending mail {MessageId} ({Kind}) failed on attempt {Attempt}; retrying in {Delay}.")]
    private static partial void LogRetry(ILogger logger, string messageId, string kind, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up on mail {MessageId} ({Kind}): {Reason} after {Attempts} attempts.")]
    private static partial void LogGaveUp(ILogger logger, string messageId, string kind, string reason, int attempts, Exception? exception);

    // A refusal is logged by its codes, never its text: the text is the server's reply, which usually quotes the
    // recipient ("550 5.1.1 <ada@example.com>: Recipient address rejected"), and logs reach every telemetry backend.
    [LoggerMessage(Level = LogLevel.Warning, Message = "The SMTP server refused mail {MessageId} ({Kind}) on attempt {Attempt} ({ErrorCode}, {StatusCode}); retrying in {Delay}.")]
    private static partial void LogRetryRefused(ILogger logger, string messageId, string kind, int attempt, TimeSpan delay, SmtpErrorCode errorCode, int statusCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up on mail {MessageId} ({Kind}): {Reason} after {Attempts} attempts; the SMTP server refused it ({ErrorCode}, {StatusCode}).")]
    private static partial void LogGaveUpRefused(ILogger logger, string messageId, string kind, string reason, int attempts, SmtpErrorCode errorCode, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The mail outbox cannot be read; looking again shortly.")]
    private static partial void LogOutboxUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outcome of mail {MessageId} could not be recorded; it is sent again once its lease runs out.")]
    private static partial void LogSettleFailed(ILogger logger, string messageId, Exception exception);
}
