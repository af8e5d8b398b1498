using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace Harmonia.Api.Http;

/// <summary>
/// 200 with a <typeparamref name="TResponse"/> already serialized (<see cref="CachedResponses{TCached, TResponse}"/>):
/// the same status, content type and OpenAPI description as <c>Ok&lt;TResponse&gt;</c>, without serializing again.
/// </summary>
public sealed class JsonOk<TResponse>(byte[] json) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult, IEndpointMetadataProvider
{
    private const string JsonContentType = "application/json; charset=utf-8";

    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public string ContentType => JsonContentType;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = JsonContentType;
        response.ContentLength = json.Length;
        var written = response.BodyWriter.WriteAsync(json, httpContext.RequestAborted);
        return written.IsCompletedSuccessfully ? Task.CompletedTask : written.AsTask();
    }

    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(TResponse), ["application/json"]));
}
