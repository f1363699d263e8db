pub fn type_names(_c: &syn::File) -> Vec<String> { vec![] }
