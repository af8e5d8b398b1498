using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Harmonia.Api.Auth;
using Harmonia.DataStores;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Harmonia.Api.Accounts;

/// <summary>
/// One-time codes in Redis (<see cref="TempKeys"/>): a six-digit code to type and a 256-bit token for the mail's
/// link, issued together, used once, replaced by the next request for the same purpose.
/// </summary>
/// <remarks>
/// Redis keeps only keyed hashes (HMAC-SHA-256) of both. A plain hash of a six-digit code is no protection: a
/// million guesses undo it in milliseconds, so anyone who reads Redis (a replica, a dump, <c>MONITOR</c>) would
/// read the codes. The HMAC key is derived (HKDF) from the token signing key, which never reaches Redis; each
/// hash also binds the purpose and the account, so no stored hash is worth anything elsewhere. Comparing keyed
/// hashes is also what makes the comparison constant-time in the sense that matters: an attacker cannot choose
/// what a guess hashes to, so how long a comparison takes says nothing about the code (and Lua compares its
/// interned strings by reference anyway).
/// </remarks>
public sealed partial class OneTimeCodes(
    IConnectionMultiplexer redis,
    IOptions<AuthOptions> auth,
    IOptions<AccountsOptions> options,
    TimeProvider timeProvider,
    ILogger<OneTimeCodes> logger)
{
    private const string CodeField = "code";
    private const string TokenField = "token";

    /// <summary>Replaces whatever the account had pending for the purpose; the new code's tries start at zero.</summary>
    private static readonly LuaScript IssueScript = LuaScript.Prepare(
        """
        redis.call('DEL', @Key)
        redis.call('HSET', @Key, 'code', @Code, 'token', @Token, 'tries', 0)
        redis.call('PEXPIRE', @Key, @LifetimeMs)
        return 1
        """);

    /// <summary>
    /// Compares, counts a wrong try and consumes in one step, so two concurrent uses cannot both win and no
    /// guess escapes the count. A right code or token deletes the key (both are spent). A wrong code counts a
    /// try, and the try that reaches the limit deletes the code; the token lives on, as nobody can guess it.
    /// Returns 1 when consumed, 0 otherwise.
    /// </summary>
    private static readonly LuaScript ConsumeScript = LuaScript.Prepare(
        """
        local stored = redis.call('HGET', @Key, @Field)
        if not stored then
            return 0
        end
        if stored == @Candidate then
            redis.call('DEL', @Key)
            return 1
        end
        if @Field == 'code' then
            local tries = redis.call('HINCRBY', @Key, 'tries', 1)
            if tries >= tonumber(@MaxTries) then
                redis.call('HDEL', @Key, 'code')
            end
        end
        return 0
        """);

    private readonly byte[] _key = HKDF.DeriveKey(
        HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(auth.Value.SigningKey), outputLength: 32, salt: [], info: "harmonia:temp-codes"u8.ToArray());

    /// <summary>Issues a code and a token, or null when Redis cannot store them (the caller sends nothing: a code nobody can check is useless).</summary>
    public async Task<IssuedCode?> IssueAsync(CodePurpose purpose, string userId, TimeSpan lifetime)
    {
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        try
        {
            await IssueScript.EvaluateAsync(redis.GetDatabase(), new IssueParameters(
                TempKeys.Code(purpose, userId),
                Mac(purpose, userId, CodeField, code),
                Mac(purpose, userId, TokenField, token),
                (long)lifetime.TotalMilliseconds));
            return new IssuedCode(code, token, timeProvider.GetUtcNow() + lifetime);
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogUnavailable(logger, purpose.Name, exception);
            return null;
        }
    }

    /// <summary>Uses the account's code (or token) for the purpose: true exactly once, for the first right answer while it lives.</summary>
    public async Task<bool> TryConsumeAsync(CodePurpose purpose, string userId, CodeProof proof)
    {
        var (field, value) = proof.Code is { } code ? (CodeField, code) : (TokenField, proof.Token!);
        try
        {
            var result = await ConsumeScript.EvaluateAsync(redis.GetDatabase(), new ConsumeParameters(
                TempKeys.Code(purpose, userId),
                field,
                Mac(purpose, userId, field, value),
                options.Value.MaxCodeAttempts));
            return (long)result == 1;
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogUnavailable(logger, purpose.Name, exception);
            return false;
        }
    }

    private string Mac(CodePurpose purpose, string userId, string field, string value) =>
        Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{purpose.Name}\n{userId}\n{field}\n{value}")));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis cannot keep or check {Purpose} codes right now; the user has to ask for a new one.")]
    private static partial void LogUnavailable(ILogger logger, string purpose, Exception exception);

    /// <summary>LuaScript sends <see cref="RedisKey"/> members as KEYS, the rest as ARGV.</summary>
    private sealed record IssueParameters(RedisKey Key, string Code, string Token, long LifetimeMs);

    private sealed record ConsumeParameters(RedisKey Key, string Field, string Candidate, int MaxTries);
}

/// <summary>A freshly issued code and link token, to be mailed and then forgotten: the server keeps neither.</summary>
public sealed record IssuedCode(string Code, string Token, DateTimeOffset ExpiresAt);

/// <summary>What a user presents: the typed code or the link's token (exactly one; validation sees to it).</summary>
public sealed record CodeProof(string? Code, string? Token);
