// This package is reserved for a later issue; it exports nothing yet.
export {};
