// oneDNN peer for bench/run.sh: the LSTM layers of seqtrain's model (T steps of I inputs, H
// hidden, f32) through oneDNN's LSTM primitive, forward_training + backward at one batch size on
// one thread. Only the LSTM layers: no output layer, loss or
// optimizer, so it bounds from above what a oneDNN-based trainer would reach.
//
// Per iteration, as in a training step: the user-layout weights (ldigo, as seqtrain keeps them)
// are reordered into the primitives' layouts (the weights change every step), the diff weights
// are zeroed, forward_training runs, then backward. Stacked layers (L > 1) are one primitive per
// layer, because oneDNN stacks only layers of equal input and hidden size.
//
// usage: onednn_lstm [--batch B] [--hidden H] [--layers L] [--steps T] [--inputs I] [--seconds S]
// Prints one JSON line: samples/s per core (the median over 5 timings of S/5 seconds each), the
// implementation oneDNN chose and the ISA it was allowed (ONEDNN_MAX_CPU_ISA caps it).
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dnnl.hpp>
#include <random>
#include <string>
#include <vector>

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

double Seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

memory::desc Desc(const memory::dims& dims, tag format) {
  return memory::desc(dims, dt::f32, format);
}

void Fill(memory& m, std::mt19937& gen, float scale) {
  std::uniform_real_distribution<float> u(-scale, scale);
  auto* p = static_cast<float*>(m.get_data_handle());
  const size_t n = m.get_desc().get_size() / sizeof(float);
  for (size_t i = 0; i < n; ++i) p[i] = u(gen);
}

struct Layer {
  dnnl::lstm_forward::primitive_desc fwd_pd;
  dnnl::lstm_backward::primitive_desc bwd_pd;
  dnnl::lstm_forward fwd;
  dnnl::lstm_backward bwd;
  memory user_wx, user_wh, bias, dst, workspace;  // user layouts (ldigo, ldgo, tnc)
  memory fwd_wx, fwd_wh, bwd_wx, bwd_wh;          // the primitives' layouts
  memory diff_wx, diff_wh, diff_bias, diff_src, diff_dst;
  dnnl::reorder to_fwd_wx, to_fwd_wh, to_bwd_wx, to_bwd_wh;
};

Layer MakeLayer(const dnnl::engine& eng, int steps, int batch, int in, int hidden,
                std::mt19937& gen) {
  Layer l;
  const memory::dims src_dims = {steps, batch, in}, dst_dims = {steps, batch, hidden};
  const memory::dims wx_dims = {1, 1, in, 4, hidden}, wh_dims = {1, 1, hidden, 4, hidden},
                     b_dims = {1, 1, 4, hidden};
  const memory::desc none;  // h_0 = c_0 = 0, final states not needed
  const auto src = Desc(src_dims, tag::tnc), dst = Desc(dst_dims, tag::tnc);
  const auto wx_any = Desc(wx_dims, tag::any), wh_any = Desc(wh_dims, tag::any),
             bias = Desc(b_dims, tag::ldgo);
  dnnl::lstm_forward::desc fwd_desc(dnnl::prop_kind::forward_training,
                                    dnnl::rnn_direction::unidirectional_left2right, src, none, none,
                                    wx_any, wh_any, bias, dst, none, none);
  l.fwd_pd = dnnl::lstm_forward::primitive_desc(fwd_desc, eng);
  dnnl::lstm_backward::desc bwd_desc(dnnl::prop_kind::backward,
                                     dnnl::rnn_direction::unidirectional_left2right, src, none,
                                     none, wx_any, wh_any, bias, dst, none, none, src, none, none,
                                     wx_any, wh_any, bias, dst, none, none);
  l.bwd_pd = dnnl::lstm_backward::primitive_desc(bwd_desc, eng, l.fwd_pd);
  l.fwd = dnnl::lstm_forward(l.fwd_pd);
  l.bwd = dnnl::lstm_backward(l.bwd_pd);

  l.user_wx = memory(Desc(wx_dims, tag::ldigo), eng);
  l.user_wh = memory(Desc(wh_dims, tag::ldigo), eng);
  l.bias = memory(bias, eng);
  Fill(l.user_wx, gen, 0.1f);
  Fill(l.user_wh, gen, 0.1f);
  Fill(l.bias, gen, 0.1f);
  l.fwd_wx = memory(l.fwd_pd.weights_layer_desc(), eng);
  l.fwd_wh = memory(l.fwd_pd.weights_iter_desc(), eng);
  l.bwd_wx = memory(l.bwd_pd.weights_layer_desc(), eng);
  l.bwd_wh = memory(l.bwd_pd.weights_iter_desc(), eng);
  l.to_fwd_wx = dnnl::reorder(l.user_wx, l.fwd_wx);
  l.to_fwd_wh = dnnl::reorder(l.user_wh, l.fwd_wh);
  l.to_bwd_wx = dnnl::reorder(l.user_wx, l.bwd_wx);
  l.to_bwd_wh = dnnl::reorder(l.user_wh, l.bwd_wh);
  l.dst = memory(l.fwd_pd.dst_layer_desc(), eng);
  l.workspace = memory(l.fwd_pd.workspace_desc(), eng);
  l.diff_wx = memory(l.bwd_pd.diff_weights_layer_desc(), eng);
  l.diff_wh = memory(l.bwd_pd.diff_weights_iter_desc(), eng);
  l.diff_bias = memory(l.bwd_pd.diff_bias_desc(), eng);
  l.diff_src = memory(l.bwd_pd.diff_src_layer_desc(), eng);
  l.diff_dst = memory(l.bwd_pd.diff_dst_layer_desc(), eng);
  Fill(l.diff_dst, gen, 0.01f);
  return l;
}

void Zero(memory& m) { std::memset(m.get_data_handle(), 0, m.get_desc().get_size()); }

// The ISA oneDNN's JIT kernels use: its RNN primitive reports "ref" as its implementation (the
// driver) however fast the generated GEMMs under it are, so the name alone says nothing.
const char* EffectiveIsaName() {
  switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41:
      return "sse41";
    case dnnl_cpu_isa_avx:
      return "avx";
    case dnnl_cpu_isa_avx2:
      return "avx2";
    case dnnl_cpu_isa_avx2_vnni:
      return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core:
      return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "other";
  }
}

}  // namespace

int main(int argc, char** argv) {
  // OpenMP reads OMP_NUM_THREADS when the library loads, before main: a run without it took both
  // cores and printed twice the per-core rate. Start again with it set.
  const char* threads = std::getenv("OMP_NUM_THREADS");
  if (!threads || std::string(threads) != "1") {
    setenv("OMP_NUM_THREADS", "1", 1);
    execv("/proc/self/exe", argv);
    std::fprintf(stderr, "onednn_lstm: error: cannot restart with OMP_NUM_THREADS=1: %s\n",
                 std::strerror(errno));
    return 1;
  }
  int batch = 64, hidden = 128, layers = 1, steps = 28, inputs = 28;
  double seconds = 5;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "onednn_lstm: error: %s needs a value\n", flag.c_str());
      return 2;
    }
    const double v = std::atof(argv[i + 1]);
    if (flag == "--batch")
      batch = static_cast<int>(v);
    else if (flag == "--hidden")
      hidden = static_cast<int>(v);
    else if (flag == "--layers")
      layers = static_cast<int>(v);
    else if (flag == "--steps")
      steps = static_cast<int>(v);
    else if (flag == "--inputs")
      inputs = static_cast<int>(v);
    else if (flag == "--seconds")
      seconds = v;
    else {
      std::fprintf(stderr, "onednn_lstm: error: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (batch < 1 || hidden < 1 || layers < 1 || steps < 1 || inputs < 1 || !(seconds > 0)) {
    std::fprintf(stderr, "onednn_lstm: error: sizes and --seconds must be positive\n");
    return 2;
  }
  try {
    dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(eng);
    std::mt19937 gen(1);
    std::vector<Layer> net;
    for (int l = 0; l < layers; ++l)
      net.push_back(MakeLayer(eng, steps, batch, l == 0 ? inputs : hidden, hidden, gen));
    memory x(Desc({steps, batch, inputs}, tag::tnc), eng);
    Fill(x, gen, 1.0f);

    auto iteration = [&] {
      for (size_t l = 0; l < net.size(); ++l) {
        Layer& n = net[l];
        n.to_fwd_wx.execute(stream, n.user_wx, n.fwd_wx);
        n.to_fwd_wh.execute(stream, n.user_wh, n.fwd_wh);
        const memory& src = l == 0 ? x : net[l - 1].dst;
        n.fwd.execute(stream, {{DNNL_ARG_SRC_LAYER, src},
                               {DNNL_ARG_WEIGHTS_LAYER, n.fwd_wx},
                               {DNNL_ARG_WEIGHTS_ITER, n.fwd_wh},
                               {DNNL_ARG_BIAS, n.bias},
                               {DNNL_ARG_DST_LAYER, n.dst},
                               {DNNL_ARG_WORKSPACE, n.workspace}});
      }
      for (size_t l = net.size(); l-- > 0;) {
        Layer& n = net[l];
        n.to_bwd_wx.execute(stream, n.user_wx, n.bwd_wx);
        n.to_bwd_wh.execute(stream, n.user_wh, n.bwd_wh);
        Zero(n.diff_wx);
        Zero(n.diff_wh);
        Zero(n.diff_bias);
        const memory& src = l == 0 ? x : net[l - 1].dst;
        // The layer above's diff_src is this layer's diff_dst.
        const memory& diff_dst = l + 1 == net.size() ? n.diff_dst : net[l + 1].diff_src;
        n.bwd.execute(stream, {{DNNL_ARG_SRC_LAYER, src},
                               {DNNL_ARG_WEIGHTS_LAYER, n.bwd_wx},
                               {DNNL_ARG_WEIGHTS_ITER, n.bwd_wh},
                               {DNNL_ARG_BIAS, n.bias},
                               {DNNL_ARG_DST_LAYER, n.dst},
                               {DNNL_ARG_WORKSPACE, n.workspace},
                               {DNNL_ARG_DIFF_DST_LAYER, diff_dst},
                               {DNNL_ARG_DIFF_SRC_LAYER, n.diff_src},
                               {DNNL_ARG_DIFF_WEIGHTS_LAYER, n.diff_wx},
                               {DNNL_ARG_DIFF_WEIGHTS_ITER, n.diff_wh},
                               {DNNL_ARG_DIFF_BIAS, n.diff_bias}});
      }
      stream.wait();
    };

    const double warm_end = Seconds() + std::min(1.0, seconds / 5);
    while (Seconds() < warm_end) iteration();
    std::vector<double> rates;
    for (int trial = 0; trial < 5; ++trial) {
      int iters = 0;
      const double t0 = Seconds(), end = t0 + seconds / 5;
      do {
        iteration();
        ++iters;
      } while (Seconds() < end);
      rates.push_back(static_cast<double>(iters) * batch / (Seconds() - t0));
    }
    std::sort(rates.begin(), rates.end());
    // Forward 2*T*B*4H*(I+H) per layer; backward twice that (dW and d input/h).
    double flops = 0;
    for (int l = 0; l < layers; ++l)
      flops += 6.0 * steps * batch * 4.0 * hidden * ((l == 0 ? inputs : hidden) + hidden);
    const char* isa = std::getenv("ONEDNN_MAX_CPU_ISA");
    std::printf(
        "{\"peer\":\"onednn_lstm\",\"dnnl\":\"%d.%d.%d\",\"impl_fwd\":\"%s\",\"impl_bwd\":\"%s\","
        "\"max_cpu_isa\":\"%s\",\"effective_isa\":\"%s\",\"batch\":%d,\"hidden\":%d,\"layers\":%d,"
        "\"steps\":%d,\"inputs\":%d,\"samples_per_sec_per_core\":%.1f,\"min\":%.1f,\"max\":%.1f,"
        "\"gflops\":%.2f}\n",
        dnnl::version()->major, dnnl::version()->minor, dnnl::version()->patch,
        net[0].fwd_pd.impl_info_str(), net[0].bwd_pd.impl_info_str(), isa ? isa : "default",
        EffectiveIsaName(), batch, hidden, layers, steps, inputs, rates[2], rates[0], rates[4],
        rates[2] / batch * flops / 1e9);
  } catch (const dnnl::error& e) {
    std::fprintf(stderr, "onednn_lstm: error: oneDNN: %s (status %d)\n", e.what(),
                 static_cast<int>(e.status));
    return 1;
  }
  return 0;
}
