using MongoDB.Bson;

namespace Harmonia.Api.Http;

/// <summary>
/// <c>{id:objectid}</c>: the segment is a MongoDB ObjectId (24 hex digits, in either case); anything else matches no
/// route and is a plain 404. Handlers bind the segment as an <see cref="ObjectId"/>, whose string form is the one
/// canonical (lower-case) spelling every cache key, tag and query uses, so <c>/songs/ABC…</c> and <c>/songs/abc…</c>
/// are one song with one cache entry.
/// </summary>
internal sealed class ObjectIdRouteConstraint : IRouteConstraint
{
    public const string Name = "objectid";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value is string text && ObjectId.TryParse(text, out _);
}
