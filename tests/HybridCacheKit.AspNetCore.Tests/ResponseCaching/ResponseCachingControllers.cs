using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>
/// Registers this assembly's controllers except the invalidation tests' own (some of those are deliberately broken, to
/// prove that a malformed [InvalidatesTags] stops start-up).
/// </summary>
internal static class ResponseCachingControllers
{
    public static IMvcBuilder AddResponseCachingTestControllers(this IServiceCollection services)
        => services.AddControllers()
            .AddApplicationPart(typeof(ResponseCachingControllers).Assembly)
            .ConfigureApplicationPartManager(m => m.FeatureProviders.Add(new ExcludeInvalidationControllers()));

    private sealed class ExcludeInvalidationControllers : IApplicationFeatureProvider<ControllerFeature>
    {
        public void PopulateFeature(IEnumerable<ApplicationPart> parts, ControllerFeature feature)
        {
            var excluded = feature.Controllers.Where(c => c.Namespace?.Contains(".Invalidation", StringComparison.Ordinal) == true).ToList();
            foreach (var controller in excluded)
            {
                feature.Controllers.Remove(controller);
            }
        }
    }
}
