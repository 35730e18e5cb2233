"""The model optimization lab: complexity, layer-wise profiles, INT8 by NNCF, precision comparison."""
