using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Harmonia.Api.Http;

/// <summary>
/// Checks the charset of a JSON body before anything reads it. ASP.NET Core reads a JSON body in the charset its
/// Content-Type names, and one it does not know (<c>charset=bogus</c>) throws an InvalidOperationException from
/// parameter binding, a 500; so does a quoted name (<c>charset="utf-8"</c>, dotnet/aspnetcore#61514), although
/// RFC 9110 §5.6.6 makes it the same value. Here a quoted charset loses its quotes and an unknown one is a 415, like
/// any other body the endpoint cannot read.
/// </summary>
internal sealed class JsonCharsetMiddleware(RequestDelegate next, IProblemDetailsService problemDetails)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true
            && MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var contentType)
            && IsJson(contentType)
            && contentType.Charset.HasValue)
        {
            var charset = HeaderUtilities.RemoveQuotes(contentType.Charset);
            if (!IsKnown(charset.Value!))
            {
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                await problemDetails.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status415UnsupportedMediaType,
                        Title = "The request's charset is not a known encoding.",
                        Detail = "Send JSON encoded as UTF-8, with charset=utf-8 or no charset.",
                    },
                });
                return;
            }

            if (charset.Length != contentType.Charset.Length)
            {
                contentType.Charset = charset;
                context.Request.ContentType = contentType.ToString();
            }
        }

        await next(context);
    }

    /// <summary>The media types ASP.NET Core reads as JSON: application/json and any +json.</summary>
    private static bool IsJson(MediaTypeHeaderValue contentType) =>
        contentType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether ASP.NET Core can read a body in <paramref name="charset"/>: the same lookup it makes.</summary>
    private static bool IsKnown(string charset)
    {
        if (charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        try
        {
            Encoding.GetEncoding(charset);
            return true;
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException)
        {
            // An unknown name, or one .NET refuses on purpose (UTF-7).
            return false;
        }
    }
}
