// The "idx" data source: MNIST-layout IDX files (images and labels, gzip or
// plain), each image read as steps x inputs pixels scaled to [0, 1], in raster
// order or in the order data.pixel_order names (pixel_order.h). Every
// sample has the full length. The images are held run-length packed
// (LabeledImages) and decoded per batch; the packed form is cached on disk
// (packed_cache.h).
#pragma once

#include <memory>
#include <string>

#include "data/data_source.h"
#include "data/labeled_images.h"
#include "data/pixel_order.h"

namespace seqtrain::data {

// The files a set came from, for its Facts(); empty paths: made in memory.
struct IdxFiles {
  std::string images_path, labels_path;
  LoadReport report;
};

class IdxDataSource final : public DataSource {
 public:
  // Throws seqtrain::Error "PATH: images are RxC but model.time_steps * model.input_size = ..."
  // unless each image holds steps * inputs pixels. Every label must be below num_classes.
  // order: steps * inputs pixel indices (PixelOrderOf), or empty for raster order.
  IdxDataSource(LabeledImages images, int steps, int inputs, int num_classes, IdxFiles files = {},
                PixelOrder order = {});

  int64_t count() const override { return images_.count; }
  int steps() const override { return steps_; }
  int inputs() const override { return inputs_; }
  int num_classes() const override { return num_classes_; }
  bool variable_length() const override { return false; }
  int Read(int64_t index, float* sequence, const TargetsOut& targets) const override;
  void Fill(const int64_t* indices, int batch, float* x, int32_t* lengths,
            const TargetsOut& targets) const override;
  SetFacts Facts() const override;

  const LabeledImages& images() const { return images_; }

 private:
  const int32_t* Order() const { return order_.empty() ? nullptr : order_.data(); }

  LabeledImages images_;
  int steps_, inputs_, num_classes_;
  IdxFiles files_;
  PixelOrder order_;
};

// The registry's opener: data.{train,test}_{images,labels} under data.dir, with the cache
// when data.cache is set.
std::unique_ptr<DataSource> OpenIdxDataSource(const OpenRequest& request);

// An images file alone (targets 0), e.g. for prediction; limit > 0 keeps the first images.
// data.pixel_order of config orders the pixels as in training.
std::unique_ptr<DataSource> OpenIdxImages(const std::string& images_path, int64_t limit, int steps,
                                          int inputs, int num_classes,
                                          const seqtrain::DataConfig& config);

}  // namespace seqtrain::data
