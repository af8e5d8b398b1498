using System.ComponentModel.DataAnnotations;

namespace Harmonia.Api.Validation;

/// <summary>
/// How far into a list pages reach: the first <see cref="MaximumItems"/> items, whatever the page size. MongoDB finds a
/// page by skipping the items before it, one index entry at a time, so a deep page costs its depth; beyond this bound a
/// request is a 400, not a scan of a million entries. Lists are newest first, so what lies deeper is the oldest.
/// </summary>
public static class PageDepth
{
    public const int MaximumItems = 10_000;

    /// <summary>A validation error on <paramref name="pageMember"/> when the page ends past <see cref="MaximumItems"/>.</summary>
    public static IEnumerable<ValidationResult> Check(int page, int pageSize, string pageMember)
    {
        if ((long)page * pageSize > MaximumItems)
        {
            yield return new ValidationResult(
                $"Pages reach the first {MaximumItems} items: page × pageSize may be at most {MaximumItems}.", [pageMember]);
        }
    }
}
