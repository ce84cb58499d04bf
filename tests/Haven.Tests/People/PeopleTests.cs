using Dapper;
using Haven.Audit;
using Haven.People;
using Haven.Storage;
using Haven.Tests.Storage;

namespace Haven.Tests.People;

public abstract class PeopleTests : StoreSuite
{
    private const string Password = "correct horse battery";

    [StoreFact]
    public async Task A_created_person_signs_in_with_their_password_and_the_hash_is_not_the_password()
    {
        var people = new PeopleService(Store);
        var created = await people.CreateAsync("ada", PersonRole.Reviewer, Password);
        Assert.True(created.IsSuccess, created.IsSuccess ? null : created.Error.Message);
        Assert.Null(created.Value.OneTimePassword);
        Assert.False(created.Value.Person.MustChangePassword);

        var signedIn = await people.SignInAsync("ada", Password);
        Assert.True(signedIn.IsSuccess);
        Assert.Equal(PersonRole.Reviewer, signedIn.Value.Role);
        Assert.NotNull(signedIn.Value.LastSignInAt);

        await using var connection = await Store.OpenConnectionAsync();
        var hash = await connection.ExecuteScalarAsync<string>("SELECT password_hash FROM users WHERE name = 'ada'");
        Assert.DoesNotContain(Password, hash, StringComparison.Ordinal);
        Assert.True(hash!.Length > 40);
    }

    [StoreFact]
    public async Task A_one_time_password_works_once_changed_and_must_be_changed()
    {
        var people = new PeopleService(Store);
        var created = (await people.CreateAsync("bo", PersonRole.Specialist, null)).Value;
        Assert.NotNull(created.OneTimePassword);
        Assert.Equal(20, created.OneTimePassword!.Length);
        Assert.True(created.Person.MustChangePassword);
        Assert.DoesNotContain(created.OneTimePassword, created.ToString(), StringComparison.Ordinal);

        Assert.True((await people.SignInAsync("bo", created.OneTimePassword)).Value.MustChangePassword);
        var tooShort = await people.ChangePasswordAsync("bo", created.OneTimePassword, "short");
        Assert.IsType<PersonRequestInvalid>(tooShort.Error);
        var changed = await people.ChangePasswordAsync("bo", created.OneTimePassword, Password);
        Assert.True(changed.IsSuccess);
        Assert.False(changed.Value.MustChangePassword);
        Assert.NotEqual(created.Person.SecurityStamp, changed.Value.SecurityStamp);
        Assert.IsType<SignInRefused>((await people.SignInAsync("bo", created.OneTimePassword)).Error);
        Assert.True((await people.SignInAsync("bo", Password)).IsSuccess);
    }

    [StoreFact]
    public async Task Repeated_failures_lock_the_person_out_even_from_the_right_password_until_the_lockout_ends()
    {
        var people = new PeopleService(Store, new SignInSettings(3, TimeSpan.FromMinutes(10)));
        await people.CreateAsync("cy", PersonRole.Lead, Password);
        for (var i = 0; i < 3; i++)
        {
            Assert.IsType<SignInRefused>((await people.SignInAsync("cy", "wrong password " + i)).Error);
        }

        var locked = await people.GetAsync("cy");
        Assert.NotNull(locked!.LockedUntil);
        Assert.IsType<SignInRefused>((await people.SignInAsync("cy", Password)).Error);
        Time.Advance(TimeSpan.FromMinutes(11));
        Assert.True((await people.SignInAsync("cy", Password)).IsSuccess);

        var audit = await new AuditLog(Store).ReadAsync();
        Assert.Contains(audit, e => e.Action == "person.locked_out" && e.Subject == "person:cy");
        Assert.DoesNotContain(audit, e => e.Details.Contains("wrong password", StringComparison.Ordinal));
    }

    [StoreFact]
    public async Task Disabled_people_and_unknown_names_are_refused_with_the_same_error()
    {
        var people = new PeopleService(Store);
        await people.CreateAsync("di", PersonRole.Viewer, Password);
        var before = (await people.GetAsync("di"))!.SecurityStamp;
        var disabled = await people.SetDisabledAsync("di", true);
        Assert.NotEqual(before, disabled.Value.SecurityStamp);
        var refusedDisabled = (await people.SignInAsync("di", Password)).Error;
        var refusedUnknown = (await people.SignInAsync("nobody", Password)).Error;
        Assert.Equal(refusedUnknown.Message, refusedDisabled.Message);
        Assert.Null(await people.FindActiveAsync("di"));
        Assert.Null(await people.FindActiveAsync("nobody"));
        await people.SetDisabledAsync("di", false);
        Assert.Equal(new Actor("di", PersonRole.Viewer), await people.FindActiveAsync("di"));
    }

    [StoreFact]
    public async Task Role_changes_and_resets_are_audited_and_bad_requests_change_nothing()
    {
        var people = new PeopleService(Store);
        Assert.IsType<PersonRequestInvalid>((await people.CreateAsync("Upper", PersonRole.Viewer, Password)).Error);
        Assert.IsType<PersonRequestInvalid>((await people.CreateAsync("ok", PersonRole.Viewer, "short")).Error);
        Assert.IsType<PersonRequestInvalid>((await people.CreateAsync("ok", PersonRole.Viewer, new string('x', 300))).Error);
        Assert.Empty(await people.ListAsync());

        await people.CreateAsync("ed", PersonRole.Reviewer, Password);
        Assert.IsType<PersonExists>((await people.CreateAsync("ed", PersonRole.Admin, Password)).Error);
        Assert.Equal(PersonRole.Lead, (await people.SetRoleAsync("ed", PersonRole.Lead)).Value.Role);
        Assert.IsType<PersonNotFound>((await people.SetRoleAsync("zed", PersonRole.Lead)).Error);
        var reset = (await people.ResetPasswordAsync("ed", null)).Value;
        Assert.True(reset.Person.MustChangePassword);
        Assert.True((await people.SignInAsync("ed", reset.OneTimePassword!)).IsSuccess);

        var actions = (await new AuditLog(Store).ReadAsync()).Where(e => e.Subject == "person:ed").Select(e => e.Action).ToList();
        Assert.Equal(["person.created", "person.role_changed", "person.password_reset", "person.signed_in"], actions);
        Assert.True((await new AuditLog(Store).VerifyAsync()).Intact);
    }
}

public sealed class SqlitePeopleTests : PeopleTests
{
    internal override StoreProvider Provider => StoreProvider.Sqlite;
}

[PostgresSuite]
public sealed class PostgresPeopleTests : PeopleTests
{
    internal override StoreProvider Provider => StoreProvider.Postgres;
}
