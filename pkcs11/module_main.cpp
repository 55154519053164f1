// The shared module: all of its code comes from akis_p11core.
