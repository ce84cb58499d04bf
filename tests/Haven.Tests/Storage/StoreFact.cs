using Xunit.Abstractions;
using Xunit.Sdk;

namespace Haven.Tests.Storage;

/// <summary>Marks a test class that runs against PostgreSQL (see <see cref="PostgresTestServer"/>).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class PostgresSuiteAttribute : Attribute
{
}

/// <summary>
/// A fact of the shared store suite. Runs like <see cref="FactAttribute"/>, except in a <see cref="PostgresSuiteAttribute"/>
/// class when no PostgreSQL is configured: then it is skipped on a laptop, and runs (and fails with a clear message)
/// when <c>CI=true</c>. xunit 2 has no dynamic skip, hence the discoverer. The same test method is inherited by the
/// SQLite and PostgreSQL subclasses, so the decision depends on the concrete class, which only a discoverer can see.
/// </summary>
[XunitTestCaseDiscoverer("Haven.Tests.Storage.StoreFactDiscoverer", "Haven.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute
{
}

/// <summary>Discoverer behind <see cref="StoreFactAttribute"/>.</summary>
public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        var testClass = testMethod.TestClass.Class.ToRuntimeType();
        var skipReason = testClass is not null && testClass.IsDefined(typeof(PostgresSuiteAttribute), inherit: true)
            ? PostgresTestServer.SkipReason
            : null;
        if (skipReason is not null)
        {
            return [new SkippedTestCase(diagnosticMessageSink, display, displayOptions, testMethod, skipReason)];
        }

        return [new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)];
    }
}

/// <summary>A test case skipped for a reason decided at discovery time.</summary>
public sealed class SkippedTestCase : XunitTestCase
{
    private string _reason = string.Empty;

    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SkippedTestCase()
    {
    }

    public SkippedTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod testMethod, string reason)
        : base(sink, display, displayOptions, testMethod)
    {
        _reason = reason;
    }

    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        data.AddValue("SkipReasonText", _reason);
    }

    public override void Deserialize(IXunitSerializationInfo data)
    {
        _reason = data.GetValue<string>("SkipReasonText");
        base.Deserialize(data);
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute) => _reason;
}
