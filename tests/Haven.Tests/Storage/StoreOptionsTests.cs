using Haven.Storage;

namespace Haven.Tests.Storage;

public sealed class StoreOptionsTests
{
    [Fact]
    public async Task Unknown_provider_is_an_options_error()
    {
        var result = await HavenStore.OpenAsync(new StoreOptions { Provider = "mysql" });

        var error = Assert.IsType<StoreOptionsInvalid>(result.Error);
        Assert.Contains("'sqlite' or 'postgres'", error.Message);
    }

    [Fact]
    public async Task Postgres_without_connection_string_is_an_options_error()
    {
        var result = await HavenStore.OpenAsync(new StoreOptions { Provider = "postgres" });

        Assert.IsType<StoreOptionsInvalid>(result.Error);
    }

    [Fact]
    public async Task Unreachable_postgres_is_a_value_not_an_exception()
    {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        var result = await HavenStore.OpenAsync(new StoreOptions
        {
            Provider = "postgres",
            ConnectionString = "Host=127.0.0.1;Port=1;Username=postgres;Database=postgres;Timeout=2",
        });

        Assert.IsType<StoreUnavailable>(result.Error);
    }

    [Fact]
    public async Task Sqlite_creates_a_missing_data_folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "haven-store-tests", Guid.NewGuid().ToString("N"), "nested");
        try
        {
            var result = await HavenStore.OpenAsync(new StoreOptions { DataFolder = folder });

            Assert.True(result.IsSuccess, result.ToString());
            await result.Value.DisposeAsync();
            Assert.True(File.Exists(Path.Combine(folder, "haven.db")));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }
}
