namespace HybridCacheKit.AspNetCore;

/// <summary>How <c>[InvalidatesTags]</c> endpoints behave. Configure with <c>services.AddCacheInvalidator(o =&gt; ...)</c>.</summary>
public sealed class CacheInvalidationOptions
{
    /// <summary>
    /// When invalidating the tags of a successful write fails (the cache threw), fail the request instead of sending the
    /// success response. The failure is logged either way. On Kestrel the client then gets a 500 with an empty body
    /// (or, if the response had already begun, an aborted connection), so it knows its write may be served stale.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>: the write's response is sent unchanged and the failure is logged;
    /// entries may be served stale until they expire.</value>
    public bool FailRequestOnInvalidationError { get; set; }
}
