using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Harmonia.Api.Auth;

/// <summary>Opaque refresh tokens: 256 random bits, of which the server keeps only a hash.</summary>
public static class RefreshTokens
{
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
}
