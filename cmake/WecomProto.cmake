# wecom_proto_library(<target> [PROTO_PATH <dir>] [OUT_DIR <dir>]
#                     [IMPORT_DIRS <dir>...]
#                     [PROTOS <file>...] [GRPC_PROTOS <file>...])
#
# A static library of the C++ that protoc generates for PROTOS (messages) and
# GRPC_PROTOS (messages and gRPC services), paths relative to PROTO_PATH
# (default: this folder). The code lands in OUT_DIR (default: this build
# folder) under the same relative paths, which is how it is included.
# IMPORT_DIRS are further roots for the protos' imports (e.g. the public
# protos in <source>/proto, whose code the target must link: wecom_proto).
function(wecom_proto_library target)
  cmake_parse_arguments(ARG "" "PROTO_PATH;OUT_DIR" "PROTOS;GRPC_PROTOS;IMPORT_DIRS" ${ARGN})
  if(NOT ARG_PROTO_PATH)
    set(ARG_PROTO_PATH ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  if(NOT ARG_OUT_DIR)
    set(ARG_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()

  set(import_args)
  foreach(dir ${ARG_IMPORT_DIRS})
    list(APPEND import_args --proto_path=${dir})
  endforeach()

  set(srcs)
  foreach(proto ${ARG_PROTOS} ${ARG_GRPC_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" base ${proto})
    set(outs ${ARG_OUT_DIR}/${base}.pb.cc ${ARG_OUT_DIR}/${base}.pb.h)
    set(plugin_args)
    if(proto IN_LIST ARG_GRPC_PROTOS)
      list(APPEND outs ${ARG_OUT_DIR}/${base}.grpc.pb.cc ${ARG_OUT_DIR}/${base}.grpc.pb.h)
      set(plugin_args --grpc_out=${ARG_OUT_DIR}
          --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${outs}
      COMMAND protobuf::protoc --proto_path=${ARG_PROTO_PATH} ${import_args}
              --cpp_out=${ARG_OUT_DIR} ${plugin_args}
              ${ARG_PROTO_PATH}/${proto}
      DEPENDS ${ARG_PROTO_PATH}/${proto} protobuf::protoc
      COMMENT "protoc ${proto}")
    list(APPEND srcs ${outs})
  endforeach()

  add_library(${target} STATIC ${srcs})
  target_include_directories(${target} PUBLIC ${ARG_OUT_DIR})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf gRPC::grpc++)
  # Generated code is not ours to warn about.
  target_compile_options(${target} PRIVATE -w)
endfunction()
