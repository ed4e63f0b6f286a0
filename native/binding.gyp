{
  "targets": [
    {
      "target_name": "wsc_blas",
      "sources": ["src/wsc_blas.cc", "src/kernels.cc", "src/pool.cc", "src/vocab_loss.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-trapping-math", "-fno-math-errno"],
      "libraries": ["-lopenblas"]
    }
  ]
}
