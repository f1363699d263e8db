//! The passes' unit tests.

use super::*;
use crate::error::{Kind, Location};
use serde_json::json;

fn file(code: proc_macro2::TokenStream) -> syn::File {
    syn::parse2(code).unwrap()
}

fn union_spec() -> Value {
    json!({"components": {"schemas": {
        "Shape": {"oneOf": [{"$ref": "#/components/schemas/Circle"}], "discriminator": {"propertyName": "kind"}},
        "Circle": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["circle"]}}}
    }}})
}

/// The passes match progenitor's output by structure: today's spec's code,
/// as generated and printed two ways (its token stream's spacing,
/// prettyplease's layout) and parsed again, is
/// patched to the same code, and a pass found what it changes in each.
#[test]
fn passes_find_the_same_code_however_it_is_printed() {
    let spec: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/oz-api.normalized.json"
    )))
    .unwrap();
    let remodelled = crate::remodel::remodel(&spec, true);
    let openapi = crate::validate::parse(&remodelled, "spec").unwrap();
    let generated = crate::generate::generate(&remodelled, &openapi, "spec").unwrap();
    let tokens = generated.to_token_stream().to_string();
    let printings = [
        generated.clone(),
        syn::parse_str::<syn::File>(&tokens).unwrap(),
        syn::parse_str::<syn::File>(&prettyplease::unparse(&generated)).unwrap(),
    ];
    let patched: Vec<String> = printings
        .into_iter()
        .map(|mut code| {
            patch(&remodelled, &mut code).unwrap();
            prettyplease::unparse(&code)
        })
        .collect();
    if std::env::var_os("OZ_DUMP").is_some() {
        for (i, p) in patched.iter().enumerate() {
            std::fs::write(format!("/tmp/perf/patched{i}.rs"), p).unwrap();
        }
    }
    assert!(patched.iter().all(|p| *p == patched[0]));
    for changed in [
        "crate::hooks::exec_rebuilding(&__call",
        "crate::hooks::PathText::checked(",
        "run_id: Err(::std::borrow::Cow::Borrowed(\"run_id was not initialized\"))",
        "let run_id = run_id.map_err(::std::borrow::Cow::into_owned);",
        "let mut response = match crate::hooks::answered(",
        "crate::hooks::body(client, &mut response).await",
        "400u16..=499u16 | 500u16..=599u16 =>",
        "crate::Optional<",
        "Error::InvalidRequest(__errors.join",
    ] {
        let text = patched[0].replace(char::is_whitespace, "");
        assert!(text.contains(&changed.replace(' ', "")), "{changed}");
    }
}

#[test]
fn output_without_what_a_step_needs_is_a_generator_error_naming_the_step() {
    let mut code = file(quote::quote! { pub struct Client; });
    let e = patch(&json!({}), &mut code).unwrap_err();
    assert_eq!(e.kind(), Kind::Generator);
    assert_eq!(e.location, Location::Generator { step: "patch" });
    assert!(e.to_string().contains(crate::error::PROGENITOR), "{e}");

    // A discriminated union typify made into something else.
    let mut code = file(quote::quote! { pub mod types { pub struct Shape { pub kind: String } } });
    let e = patch(&union_spec(), &mut code).unwrap_err();
    assert_eq!(
        e.location,
        Location::Generator {
            step: "discriminated_catch_all"
        }
    );
    assert!(e.message.contains("#/components/schemas/Shape"), "{e}");

    // A string enum of the spec that the output does not have.
    let spec =
        json!({"components": {"schemas": {"Color": {"type": "string", "enum": ["red", "blue"]}}}});
    let mut code = file(quote::quote! { pub mod types {} });
    let e = patch(&spec, &mut code).unwrap_err();
    assert_eq!(e.location, Location::Generator { step: "open_enums" });
    assert!(e.message.contains("[\"blue\", \"red\"]"), "{e}");
}

#[test]
fn a_one_variant_union_becomes_an_open_enum() {
    let mut code = file(quote::quote! { pub mod types {
        #[serde(transparent)]
        pub struct Shape(pub Circle);
        impl ::std::ops::Deref for Shape { type Target = Circle; fn deref(&self) -> &Circle { &self.0 } }
        impl ::std::convert::From<Shape> for Circle { fn from(value: Shape) -> Self { value.0 } }
        impl ::std::convert::From<Circle> for Shape { fn from(value: Circle) -> Self { Self(value) } }
        pub struct Circle { pub kind: CircleKind }
        pub enum CircleKind { #[serde(rename = "circle")] Circle }
    } });
    patch(&union_spec(), &mut code).unwrap();
    let text = prettyplease::unparse(&code);
    assert!(text.contains("#[serde(untagged)]\n    #[non_exhaustive]\n    pub enum Shape {\n        Circle(Circle),"), "{text}");
    assert!(text.contains("Unknown(::serde_json::Value)"), "{text}");
    assert!(
        !text.contains("Deref for Shape") && !text.contains("From<Shape> for Circle"),
        "{text}"
    );
    assert!(
        text.contains("impl ::std::convert::From<Circle> for Shape"),
        "{text}"
    );
    // The single-value tag enum stays strict.
    assert!(
        !text.contains(
            "CircleKind {\n        #[serde(rename = \"circle\")]\n        Circle,\n        ///"
        ),
        "{text}"
    );
}

#[test]
fn enums_open_with_a_free_catch_all_name() {
    let spec = json!({"components": {"schemas": {"Kind": {"type": "string", "enum": ["Unknown", "known"]}}}});
    let mut code = file(quote::quote! { pub mod types {
        #[derive(Clone, Copy)]
        pub enum Kind { Unknown, #[serde(rename = "known")] Known }
        impl ::std::str::FromStr for Kind { type Err = (); fn from_str(_: &str) -> Result<Self, ()> { Err(()) } }
    } });
    patch(&spec, &mut code).unwrap();
    let text = prettyplease::unparse(&code);
    assert!(text.contains("Other(::std::string::String)"), "{text}");
    assert!(text.contains("#[derive(Clone)]"), "{text}");
    assert_eq!(
        text.matches("impl ::std::str::FromStr for Kind").count(),
        1,
        "{text}"
    );
}

#[test]
fn optional_setters_take_plain_values_and_builders_report_every_error() {
    let mut code = file(quote::quote! { pub mod types { pub mod builder {
        impl Thing {
            pub fn name<T>(mut self, value: T) -> Self
            where T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>, T::Error: ::std::fmt::Display,
            { self.name = value.try_into().map_err(|e| format!("error converting supplied value for name: {e}")); self }
            pub fn tags<T>(mut self, value: T) -> Self
            where T: ::std::convert::TryInto<::std::vec::Vec<::std::string::String>>, T::Error: ::std::fmt::Display,
            { self.tags = value.try_into().map_err(|e| format!("{e}")); self }
        }
        impl ::std::convert::TryFrom<Thing> for super::Thing {
            type Error = super::error::ConversionError;
            fn try_from(value: Thing) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self { name: value.name?, tags: value.tags? })
            }
        }
    }}});
    let types = module_items_mut(&mut code, "types").unwrap();
    plain_value_setters(types);
    let text = prettyplease::unparse(&code);
    assert!(
        text.contains("T: crate::Optional<::std::string::String>"),
        "{text}"
    );
    assert!(
        text.contains("crate::Optional::into_optional(value)"),
        "{text}"
    );
    // Not an optional field: as typify wrote it.
    assert!(
        text.contains("T: ::std::convert::TryInto<::std::vec::Vec"),
        "{text}"
    );
    assert!(
        text.contains("impl crate::Optional<super::Thing> for Thing"),
        "{text}"
    );
    assert!(
        text.contains("value.name.as_ref().err(),\n") && text.contains("errors.join"),
        "{text}"
    );
}

#[test]
fn operation_builders_take_plain_values_and_report_every_parameter_at_once() {
    let mut code = file(quote::quote! { pub mod builder {
        impl<'a> ListThings<'a> {
            pub fn limit<V>(mut self, value: V) -> Self
            where V: std::convert::TryInto<::std::num::NonZeroU64>,
            { self.limit = value.try_into().map(Some).map_err(|_| "conversion failed".to_string()); self }
            pub fn id<V>(mut self, value: V) -> Self
            where V: std::convert::TryInto<::std::string::String>,
            { self.id = value.try_into().map_err(|_| "conversion failed".to_string()); self }
            pub async fn send(self) -> Result<(), Error<()>> {
                let Self { client, id, limit, body } = self;
                let id = id.map_err(Error::InvalidRequest)?;
                let limit = limit.map_err(Error::InvalidRequest)?;
                let body = body.and_then(|v| Thing::try_from(v).map_err(|e| e.to_string())).map_err(Error::InvalidRequest)?;
                Ok(())
            }
        }
    }});
    operation_builders(&mut code);
    let text = prettyplease::unparse(&code).replace(char::is_whitespace, "");
    assert!(
        text.contains("V:crate::Optional<::std::num::NonZeroU64>"),
        "{text}"
    );
    assert!(
        text.contains("V:std::convert::TryInto<::std::string::String>"),
        "required: as it was"
    );
    assert!(
        text.contains("[id.as_ref().err(),limit.as_ref().err(),body.as_ref().err(),]"),
        "{text}"
    );
    assert!(text.contains("letbody=body.and_then("), "{text}");
    assert!(
        text.contains("letbody=body.map_err(Error::InvalidRequest)?;"),
        "{text}"
    );
}

#[test]
fn send_returns_the_crates_error_converting_every_exit() {
    let mut code = file(quote::quote! { pub mod builder {
        impl<'a> GetThing<'a> {
            ///Sends a `GET` request to `/things/{id}`
            pub async fn send(self) -> Result<ResponseValue<types::Thing>, Error<types::Error>> {
                let Self { client, id } = self;
                let id = id.map_err(Error::InvalidRequest)?;
                if id.is_empty() {
                    return Err(Error::InvalidRequest("empty".into()));
                }
                let info = OperationInfo { operation_id: "get_thing" };
                let response = client.exec(request, &info).await?;
                let check = |x: u8| -> Result<u8, ()> { Ok(x?) };
                match response.status().as_u16() {
                    200u16 => crate::hooks::json(client, response, "get_thing").await,
                    201u16 => ResponseValue::stream(response),
                    204u16 => Ok(crate::hooks::empty(response)),
                    400u16..=499u16 => Err(Error::ErrorResponse(crate::hooks::json(client, response, "get_thing").await?)),
                    _ => Err(Error::UnexpectedResponse(response)),
                }
            }
        }
        impl<'a> Odd<'a> {
            pub fn send(self) -> u8 { 0 }
        }
    }});
    operation_builders(&mut code);
    let text = prettyplease::unparse(&code).replace(char::is_whitespace, "");
    for expected in [
        "pubasyncfnsend(self,)->::std::result::Result<ResponseValue<types::Thing>,crate::Error>",
        // The conversion, declared once.
        "let__call=crate::hooks::Call::new(client,\"get_thing\");\
         let__fail=|e:Error<types::Error>|__call.error(e);",
        // Every `?` (a `match` returning the converted error) and `return`.
        "letid=matchid.map_err(Error::InvalidRequest){::std::result::Result::Ok(__v)=>__v,::std::result::Result::Err(__e)=>{return::std::result::Result::Err(__fail(<Error<types::Error>>::from(__e)),);}};",
        "returnErr(__fail(Error::InvalidRequest(\"empty\".into())));",
        "client.exec(request,&info).await{::std::result::Result::Ok(__v)=>__v,::std::result::Result::Err(__e)=>{return::std::result::Result::Err(__fail(<Error<types::Error>>::from(__e)),);}};",
        // A closure's `?` is its own.
        "Ok(x?)",
        // A JSON success is decoded where `send` returns it, its body read
        // from the response in place (which `send` keeps, for a decode error).
        "letmutresponse=matchclient.exec(request,&info).await{",
        "200u16=>{crate::hooks::decode(matchcrate::hooks::body(client,&mutresponse).await{::std::result::Result::Ok(__v)=>__v,::std::result::Result::Err(__e)=>{return::std::result::Result::Err(__fail(<Error<types::Error>>::from(__e)),);}},&response,&__call,)}",
        // An arm of a shape it does not know: its result converted.
        "201u16=>ResponseValue::stream(response).map_err(__fail)",
        "204u16=>Ok(crate::hooks::empty(response))",
        // An error's body: boxed, then converted.
        "Err(__fail(Error::ErrorResponse(match::std::boxed::Box::pin(",
        "crate::hooks::json(client,response,\"get_thing\"),).await{::std::result::Result::Ok(__v)=>__v,::std::result::Result::Err(__e)=>{return::std::result::Result::Err(__fail(<Error<types::Error>>::from(__e)),);}}",
        "_=>Err(__fail(Error::UnexpectedResponse(response)))",
        // A `send` of another shape: as it was.
        "pubfnsend(self)->u8",
    ] {
        assert!(text.contains(expected), "{expected}\nin\n{text}");
    }
    assert!(!text.contains("send_progenitor"), "{text}");
}

#[test]
fn a_request_that_only_borrows_its_parameters_is_built_again_for_a_retry() {
    let send = |name: proc_macro2::TokenStream, body: proc_macro2::TokenStream| {
        quote::quote! {
            impl<'a> #name<'a> {
                pub async fn send(self) -> Result<ResponseValue<types::Thing>, Error<types::Error>> {
                    let Self { client, id, limit, trace, body } = self;
                    let id = id.map_err(Error::InvalidRequest)?;
                    let limit = limit.map_err(Error::InvalidRequest)?;
                    let trace = trace.map_err(Error::InvalidRequest)?;
                    let body = body.map_err(Error::InvalidRequest)?;
                    let url = format!("{}/things/{}", client.baseurl, crate::hooks::PathSegment(&id));
                    let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                    if let Some(value) = trace {
                        header_map.append("x-trace", value.to_string().try_into()?);
                    }
                    #[allow(unused_mut)]
                    let mut request = client.client.put(url)#body
                        .query(&progenitor_client::QueryParam::new("limit", &limit))
                        .headers(header_map)
                        .build()?;
                    let info = OperationInfo { operation_id: "put_thing" };
                    client.pre(&mut request, &info).await?;
                    let result = client.exec(request, &info).await;
                    client.post(&result, &info).await?;
                    let response = result?;
                    match response.status().as_u16() {
                        200u16 => crate::hooks::json(client, response, "put_thing").await,
                        _ => Err(Error::UnexpectedResponse(response)),
                    }
                }
            }
        }
    };
    let json = send(quote::quote!(PutThing), quote::quote!(.json(&body)));
    let binary = send(quote::quote!(Upload), quote::quote!(.body(body)));
    let mut code = file(quote::quote! { pub mod builder { #json #binary } });
    operation_builders(&mut code);
    let text = prettyplease::unparse(&code).replace(char::is_whitespace, "");
    let (put, upload) = text.split_once("impl<'a>Upload<'a>").unwrap();
    for expected in [
        // Parameters by reference: the closure can run again.
        "let__build=||->::std::result::Result<::reqwest::Request,crate::Error>{\
         letbody=&body;letid=&id;letlimit=&limit;lettrace=&trace;\
         leturl=format!(",
        "ifletSome(value)=trace{",
        ".build(){::std::result::Result::Ok(__v)=>__v,::std::result::Result::Err(__e)=>{return::std::result::Result::Err(__fail(<Error<types::Error>>::from(__e)),);}};\
         crate::hooks::prepare(client,&mutrequest);Ok(request)};\
         letrequest=__build()?;\
         letmutresponse=matchcrate::hooks::answered(&__call,crate::hooks::exec_rebuilding(&__call,request,&__build).await,){\
         ::std::result::Result::Ok(__v)=>__v,",
    ] {
        assert!(put.contains(expected), "{expected}\nin\n{put}");
    }
    // `post` (progenitor's default: nothing) is not called, `info` not made.
    assert!(
        !put.contains("client.pre(")
            && !put.contains("client.exec(")
            && !put.contains("client.post(")
            && !put.contains("OperationInfo"),
        "{put}"
    );
    // A binary body moves its bytes into the request: sent as before,
    // its retries send a copy.
    assert!(!upload.contains("__build"), "{upload}");
    assert!(
        upload.contains("client.exec(request,&info).await;"),
        "{upload}"
    );
    assert!(upload.contains("client.pre(&mutrequest,&info)"), "{upload}");
}

#[test]
fn list_bounds_are_checked_by_the_type_builders() {
    let spec = json!({"components": {"schemas": {"Thing": {"properties": {
        "tags": {"type": "array", "maxItems": 3},
        "ids": {"type": "array", "minItems": 1, "nullable": true},
        "name": {"type": "string", "maxItems": 3}
    }}}}});
    let mut code = file(quote::quote! { pub mod types {
        pub struct Thing {
            pub tags: ::std::vec::Vec<String>,
            pub ids: ::std::option::Option<::std::vec::Vec<String>>,
            pub name: String,
        }
        pub mod builder {
            impl ::std::convert::TryFrom<Thing> for super::Thing {
                type Error = super::error::ConversionError;
                fn try_from(value: Thing) -> ::std::result::Result<Self, super::error::ConversionError> {
                    Ok(Self { tags: value.tags?, ids: value.ids?, name: value.name? })
                }
            }
        }
    }});
    let types = module_items_mut(&mut code, "types").unwrap();
    array_limits(&spec, types);
    let text = prettyplease::unparse(&code).replace(char::is_whitespace, "");
    assert!(
        text.contains("value.tags.as_ref().ok().map(|v|v.len())"),
        "{text}"
    );
    assert!(
        text.contains("len>3u64asusize") && text.contains("\"atmost3items\""),
        "{text}"
    );
    assert!(
        text.contains("len<1u64asusize") && text.contains("\"atleast1items\""),
        "{text}"
    );
    assert!(
        text.contains("value.ids.as_ref().ok().and_then(|v|v.as_ref()).map(|v|v.len())"),
        "{text}"
    );
    assert!(
        !text.contains("value.name.as_ref().ok()"),
        "not a list: {text}"
    );
}

#[test]
fn clients_are_built_by_the_builder_only() {
    let mut code = file(quote::quote! {
        impl Client {
            pub fn new(baseurl: &str, inner: crate::Policy) -> Self { todo!() }
            pub fn new_with_client(baseurl: &str, client: reqwest::Client, inner: crate::Policy) -> Self { todo!() }
            pub fn baseurl(&self) -> &String { todo!() }
        }
        impl<'a> GetRun<'a> { pub fn new(client: &'a super::Client) -> Self { todo!() } }
    });
    constructors_private(&mut code);
    let text = prettyplease::unparse(&code);
    assert!(!text.contains("pub fn new(baseurl"), "{text}");
    assert!(text.contains("pub(crate) fn new_with_client"), "{text}");
    assert!(
        text.contains("pub fn baseurl") && text.contains("pub fn new(client"),
        "{text}"
    );
}

#[test]
fn progenitors_error_is_imported_privately_and_the_rest_stays_public() {
    let mut code = file(quote::quote! {
        pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};
        use progenitor_client::{encode_path, ClientHooks};
        pub mod builder { use super::Error; }
    });
    progenitor_error_private(&mut code);
    let text = prettyplease::unparse(&code);
    assert!(
        text.contains("pub use progenitor_client::{ByteStream, ClientInfo, ResponseValue};")
            && text.contains("\nuse progenitor_client::Error;"),
        "{text}"
    );
    // Without such a re-export, nothing changes.
    let before = prettyplease::unparse(&code);
    progenitor_error_private(&mut code);
    assert_eq!(prettyplease::unparse(&code), before);
}

#[test]
fn every_replacing_put_gets_its_read_modify_write_pair() {
    let body = |name: &str| json!({"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}});
    let spec = json!({
        "paths": {
            "/things/{id}": {
                "get": {"operationId": "getThing", "responses": {"200": body("Thing")}},
                "put": {"operationId": "putThing", "requestBody": body("ThingUpdate"), "responses": {"200": body("Thing")}}
            },
            "/others/{id}": {
                "put": {"operationId": "putOther", "requestBody": body("OtherUpdate"), "responses": {"201": body("Other")}}
            },
            "/same/{id}": {
                "put": {"operationId": "putSame", "requestBody": body("Same"), "responses": {"200": body("Same")}}
            }
        },
        "components": {"schemas": {
            "Thing": {"properties": {"id": {}, "name": {}, "created_at": {}}},
            "ThingUpdate": {"properties": {"name": {}, "mode": {}}},
            "Other": {"properties": {"name": {}}},
            "OtherUpdate": {"properties": {"name": {}}},
            "Same": {"properties": {"name": {}}}
        }}
    });
    let pairs = read_modify_write_pairs(&spec);
    let found: Vec<_> = pairs
        .iter()
        .map(|p| {
            (
                p.operation.as_str(),
                p.read.as_str(),
                p.update.as_str(),
                p.read_only.clone(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("putOther", "Other", "OtherUpdate", vec![]),
            (
                "putThing",
                "Thing",
                "ThingUpdate",
                vec!["created_at".to_string(), "id".to_string()]
            ),
        ]
    );
}

#[test]
fn unknown_members_are_no_required_field_of_a_builder() {
    let mut code = file(quote::quote! { pub mod types {
        pub struct Thing {
            pub name: String,
            #[serde(flatten)]
            pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
        }
        pub mod builder {
            impl ::std::default::Default for Thing {
                fn default() -> Self {
                    Self {
                        name: Err("no value supplied for name".to_string()),
                        extra: Err("no value supplied for extra".to_string()),
                    }
                }
            }
        }
    }});
    let types = module_items_mut(&mut code, "types").unwrap();
    unknown_members_default_to_empty(types);
    let text = prettyplease::unparse(&code);
    assert!(text.contains("extra: Ok(Default::default())"), "{text}");
    assert!(text.contains("name: Err("), "{text}");
}

#[test]
fn lean_send_leaves_a_shape_it_does_not_know_as_progenitor_wrote_it() {
    let send = |extra: proc_macro2::TokenStream| {
        file(quote::quote! {
            impl Send {
                pub async fn send(self) {
                    let Self { _client, client } = self;
                    let info = OperationInfo { operation_id: "get_thing" };
                    let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                    header_map.append(
                        ::reqwest::header::HeaderName::from_static("api-version"),
                        ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                    );
                    #extra
                    let request = client.get(url).headers(header_map).build()?;
                    ResponseValue::from_response(response).await
                }
            }
        })
    };
    // A header parameter: the map is kept, the decode is still leaner.
    let mut code = send(
        quote::quote! { if let Some(v) = id { header_map.append("x-request-id", v.to_string().try_into()?); } },
    );
    lean_send(&mut code);
    let text = prettyplease::unparse(&code);
    assert!(
        text.contains(".headers(header_map)")
            && text.contains("crate::hooks::json(_client, response, \"get_thing\")"),
        "{text}"
    );
    // api-version alone: set on the request builder.
    let mut code = send(quote::quote! {});
    lean_send(&mut code);
    let text = prettyplease::unparse(&code);
    assert!(!text.contains("header_map"), "{text}");
    assert!(text.contains(".header(\n"), "{text}");
}

#[test]
fn every_path_parameter_is_checked_and_encoded_whatever_the_send_around_it() {
    let mut code = file(quote::quote! {
        impl Odd {
            pub async fn send(self) {
                let info = OperationInfo { operation_id: "get_thing" };
                let url = format!(
                    "{}/things/{}/parts/{}",
                    client.baseurl,
                    encode_path(&id.to_string()),
                    encode_path(&part_id.to_string()),
                );
            }
        }
    });
    lean_send(&mut code);
    let text = prettyplease::unparse(&code).replace(char::is_whitespace, "");
    for parameter in ["id", "part_id"] {
        let expected = format!(
            "crate::hooks::PathSegment::checked(&{parameter},\"{parameter}\",\"get_thing\")?"
        );
        assert!(text.contains(&expected), "{expected}\nin\n{text}");
    }
    assert!(!text.contains("encode_path"), "{text}");
}

#[test]
fn deprecated_operations_and_fields_are_marked_where_the_spec_says() {
    let spec = json!({
        "paths": {"/old": {"get": {"operationId": "getOld", "deprecated": true}}},
        "components": {"schemas": {
            "Base": {"type": "object", "properties": {"task_id": {"type": "string", "deprecated": true, "description": "Use run_id."}}},
            "Run": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"old": {"deprecated": true}}}]}
        }}
    });
    let mut code = file(quote::quote! {
        impl Client { pub fn get_old(&self) {} }
        pub mod types {
            pub struct Base { pub task_id: Option<String> }
            pub struct Run { pub task_id: Option<String>, #[serde(rename = "old")] pub old_: Option<String> }
        }
    });
    patch(&spec, &mut code).unwrap();
    let text = prettyplease::unparse(&code);
    assert!(text.contains("#[deprecated(note = \"`GET /old` is deprecated in the Oz API spec\")]\n    pub fn get_old"), "{text}");
    assert_eq!(
        text.matches("#[deprecated(note = \"Use run_id.\")]")
            .count(),
        2,
        "{text}"
    );
    assert!(
        text.contains(
            "#[deprecated(note = \"`old` is deprecated in the Oz API spec\")]\n        pub old_"
        ),
        "{text}"
    );
    assert_eq!(text.matches("#[non_exhaustive]").count(), 2, "{text}");

    // The method is gone from progenitor's output: a generator error.
    let mut code = file(quote::quote! { impl Client {} pub mod types {} });
    let e = patch(&spec, &mut code).unwrap_err();
    assert_eq!(
        e.location,
        Location::Generator {
            step: "deprecated_operations"
        }
    );
}

#[test]
fn tag_values_come_from_the_mapping_then_the_tag_constant_then_the_schema_name() {
    let spec = json!({"components": {"schemas": {
        "Shape": {
            "oneOf": [
                {"$ref": "#/components/schemas/Circle"},
                {"$ref": "#/components/schemas/Square"},
                {"$ref": "#/components/schemas/Blob"}
            ],
            "discriminator": {"propertyName": "kind", "mapping": {"round": "#/components/schemas/Circle"}}
        },
        "Circle": {"properties": {"kind": {"enum": ["circle"]}}},
        "Square": {"properties": {"kind": {"enum": ["square"]}}},
        "Blob": {"properties": {"kind": {"type": "string"}}}
    }}});
    let values = tag_values(&spec, &spec["components"]["schemas"]["Shape"], "kind");
    let pairs: Vec<(&str, &str)> = values
        .iter()
        .map(|(v, s)| (v.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [("round", "Circle"), ("square", "Square"), ("Blob", "Blob")]
    );

    let mut code = file(quote::quote! { pub mod types {
        #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
        #[serde(untagged)]
        pub enum Shape { Circle(Circle), Square(Square), Blob(Blob) }
    } });
    patch(&spec, &mut code).unwrap();
    let text = prettyplease::unparse(&code);
    assert!(
        text.contains("#[derive(::serde::Serialize, Clone, Debug)]"),
        "{text}"
    );
    for arm in ["Some(\"round\")", "Some(\"square\")", "Some(\"Blob\")"] {
        assert!(text.contains(arm), "{arm} in {text}");
    }
    assert!(
        text.contains("_ => ::std::result::Result::Ok(Self::Unknown(value))"),
        "{text}"
    );
}

/// A builder's parameter errors become `Cow<'static, str>` (`new` allocates
/// nothing); a builder that uses a field in a way the pass does not know
/// stays as progenitor wrote it.
#[test]
fn parameter_errors_are_borrowed_text_unless_a_builder_is_of_another_shape() {
    let builder = |name: proc_macro2::TokenStream, setter: proc_macro2::TokenStream| {
        quote::quote! {
            pub struct #name<'a> {
                client: &'a super::Client,
                id: Result<::std::string::String, String>,
            }
            impl<'a> #name<'a> {
                pub fn new(client: &'a super::Client) -> Self {
                    Self { client: client, id: Err("id was not initialized".to_string()) }
                }
                pub fn id<V>(mut self, value: V) -> Self
                where
                    V: std::convert::TryInto<::std::string::String>,
                {
                    #setter
                    self
                }
                pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                    let Self { client, id } = self;
                    let id = id.map_err(Error::InvalidRequest)?;
                    Ok(())
                }
            }
        }
    };
    let known = builder(
        quote::quote!(Known),
        quote::quote!(self.id = value.try_into().map_err(|_| { "bad id".to_string() });),
    );
    let other = builder(
        quote::quote!(Other),
        quote::quote!(self.id = value.try_into().map_err(|_| "bad id".to_string()); log(&self.id);),
    );
    let mut items: Vec<Item> = file(quote::quote! { #known #other }).items;
    let before = items.clone();
    parameter_errors_without_allocation(&mut items);
    let text = |items: &[Item]| {
        let mut code = file(quote::quote!());
        code.items = items.to_vec();
        prettyplease::unparse(&code).replace(char::is_whitespace, "")
    };
    let after = text(&items);
    let (known, other) = after.split_once("pubstructOther").unwrap();
    for expected in [
        "id:Result<::std::string::String,::std::borrow::Cow<'static,str>>",
        "id:Err(::std::borrow::Cow::Borrowed(\"idwasnotinitialized\"))",
        "map_err(|_|::std::borrow::Cow::Borrowed(\"badid\"))",
        "letSelf{client,id}=self;letid=id.map_err(::std::borrow::Cow::into_owned);",
    ] {
        assert!(known.contains(expected), "{expected}\nin\n{known}");
    }
    let other_before = text(&before);
    let other_before = other_before.split_once("pubstructOther").unwrap().1;
    assert_eq!(
        other, other_before,
        "a builder of another shape is left as it was"
    );
}

/// Neighbouring status arms that do the same become one; arms apart, or
/// with a binding or guard, stay.
#[test]
fn neighbouring_status_arms_with_one_body_are_merged() {
    let mut block: syn::Block = parse_quote!({
        match response.status().as_u16() {
            200u16 => ok(),
            400u16..=499u16 => problem(response),
            500u16..=599u16 => problem(response),
            502u16 => other(),
            503u16 => problem(response),
            s if s > 600 => other(),
            _ => other(),
        }
    });
    merged_status_arms(&mut block);
    let expected: syn::Block = parse_quote!({
        match response.status().as_u16() {
            200u16 => ok(),
            400u16..=499u16 | 500u16..=599u16 => problem(response),
            502u16 => other(),
            503u16 => problem(response),
            s if s > 600 => other(),
            _ => other(),
        }
    });
    assert_eq!(block, expected);
}
