using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Harmonia.Api.Auth;

/// <summary>Opaque refresh tokens: 256 random bits, of which the server keeps only a hash.</summary>
public static class RefreshTokens
{
    private const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] SealingInfo = "harmonia refresh successor v1"u8.ToArray();

    public static (string Token, string Hash) Create()
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    /// <summary>
    /// SHA-256 is enough here: a 256-bit random token cannot be guessed from its hash, so the slow password
    /// hashes that protect low-entropy secrets would only slow every refresh down.
    /// </summary>
    public static string Hash(string token) => Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>
    /// The pair a token was exchanged for, encrypted (AES-256-GCM) under a key derived from the token (HKDF-SHA256).
    /// Only a holder of the token can open it; the server keeps the token's hash, from which the key cannot be
    /// derived, so the database holds no usable token even in the grace window.
    /// </summary>
    public static byte[] Seal(string token, TokenResponse pair)
    {
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(pair, AuthJsonContext.Default.TokenResponse);
        var sealedPair = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = sealedPair.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(SealingKey(token), TagSize);
        aes.Encrypt(nonce, plaintext, sealedPair.AsSpan(NonceSize, plaintext.Length), sealedPair.AsSpan(NonceSize + plaintext.Length));
        return sealedPair;
    }

    /// <summary>The pair <see cref="Seal"/> sealed with this token; null when it was sealed with another or altered.</summary>
    public static TokenResponse? Open(string token, byte[] sealedPair)
    {
        if (sealedPair.Length < NonceSize + TagSize)
        {
            return null;
        }

        var plaintext = new byte[sealedPair.Length - NonceSize - TagSize];
        using var aes = new AesGcm(SealingKey(token), TagSize);
        try
        {
            aes.Decrypt(sealedPair.AsSpan(0, NonceSize), sealedPair.AsSpan(NonceSize, plaintext.Length), sealedPair.AsSpan(NonceSize + plaintext.Length), plaintext);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        return JsonSerializer.Deserialize(plaintext, AuthJsonContext.Default.TokenResponse);
    }

    private static byte[] SealingKey(string token) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(token), KeySize, salt: [], info: SealingInfo);
}
