namespace Haven.Server; internal static class Placeholder { }
