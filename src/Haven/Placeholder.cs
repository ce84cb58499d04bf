namespace Haven; internal static class Placeholder { }
