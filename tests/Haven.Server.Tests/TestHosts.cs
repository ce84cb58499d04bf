using Haven.Storage;
using Microsoft.AspNetCore.Builder;

namespace Haven.Server.Tests;

/// <summary>Tearing down a test's own server host, store and data folder.</summary>
internal static class TestHosts
{
    public static async Task StopAsync(WebApplication? app, HavenStore? store, string folder)
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (store is not null)
        {
            await store.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
