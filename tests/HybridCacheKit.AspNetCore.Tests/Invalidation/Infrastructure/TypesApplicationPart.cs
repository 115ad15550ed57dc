using System.Reflection;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;

/// <summary>
/// An MVC application part holding only the given controllers, so each test app sees its own controllers and not every
/// controller of this test assembly (other suites' routes would otherwise collide).
/// </summary>
internal sealed class TypesApplicationPart(params Type[] types) : ApplicationPart, IApplicationPartTypeProvider
{
    public override string Name => "Test controllers: " + string.Join(", ", types.Select(t => t.Name));

    public IEnumerable<TypeInfo> Types => types.Select(t => t.GetTypeInfo());

    public static void AddControllers(IServiceCollection services, params Type[] controllers)
        => services.AddControllers().ConfigureApplicationPartManager(m =>
        {
            m.ApplicationParts.Clear();
            m.ApplicationParts.Add(new TypesApplicationPart(controllers));
        });
}
